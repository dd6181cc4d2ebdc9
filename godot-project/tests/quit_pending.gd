# Quits while Rust tasks are pending: the exit must be clean (code 0, no
# panic, no leaked objects). Run by the Rust harness as its own scene.
extends Node

signal never

signal also_never

var demo = preload("res://testbed/async_demo.gdns").new()


func _ready():
	for i in range(5):
		_wait(demo.delay(30.0 + i))
	_wait(demo.wait_signal(self, "never"))
	_wait(demo.sum_in_steps(1000000000, 1))
	# The Async toolkit's tasks, signal waits and free watches.
	_wait(Async.signal(self, "never"))
	_wait(Async.all([demo.delay(30.0), Async.sleep(30.0), demo.delay_task(30.0)]))
	_wait(Async.timeout(Async.signal(self, "never"), 60.0))
	var child = Node.new()
	add_child(child)
	_wait(Async.signal(child, "renamed"))
	_wait(Async.any([child_coroutine(), Async.frames(100000)]))
	yield(get_tree().create_timer(0.1), "timeout")
	print("quitting with tasks pending")
	get_tree().quit(0)


func _wait(state):
	yield(state, "completed")
	print("unexpected: a pending task completed")


func child_coroutine():
	yield(self, "also_never")
