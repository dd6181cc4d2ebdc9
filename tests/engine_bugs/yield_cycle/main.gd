# Godot's own use-after-free, in pure GDScript (no GDNative library in this
# project): a coroutine yields on a Reference that only its own stack holds,
# then its node is freed. Freeing the node's script instance clears the
# pending GDScriptFunctionState's stack (GDScriptInstance's destructor ->
# GDScriptFunctionState::_clear_stack); dropping the Reference drops its
# connection, whose bound argument held the last reference to that state,
# so the state is freed inside its own `_clear_stack` loop, which then goes
# on reading and writing the freed state. Godot 3.2.3 and 3.6 alike; run
# under valgrind by tests/memcheck.rs (docs/reliability.md: Valgrind).
extends Node


class Signaller:
	extends Reference
	signal fired


class Waiter:
	extends Node

	func wait():
		var signaller = Signaller.new()
		yield(signaller, "fired")
		print("never resumed")


func _ready():
	var waiter = Waiter.new()
	add_child(waiter)
	waiter.wait()
	print("freeing the waiter")
	waiter.free()
	print("freed")
	get_tree().quit()
