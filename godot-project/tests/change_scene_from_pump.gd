# get_tree().change_scene() from a coroutine resumed inside the pump: this
# scene (and its driver) is freed with tasks pending, and the next scene,
# change_scene_target.tscn, with its own driver, runs new async work and
# quits. Run by the Rust harness as its own scene.
extends Node

signal never

var demo = preload("res://testbed/async_demo.gdns").new()


func _ready():
	_wait(demo.delay(30.0))
	# Resolve with `freed` when this scene goes (not waited on here: a
	# coroutine of a freed script cannot resume).
	print("EXPECT-LOG: signal: freed")
	print("EXPECT-LOG: wait_signal: freed")
	Async.signal(self, "never")
	demo.wait_signal(self, "never")
	yield(demo.ready(0), "completed")
	if get_tree().change_scene("res://tests/change_scene_target.tscn") != OK:
		print("unexpected: change_scene failed")
	# Still inside the pump: more work that outlives this scene.
	_wait(Async.sleep(30.0))
	print("changing scene from a resumed coroutine")


func _wait(state):
	yield(state, "completed")
	print("unexpected: a pending task completed")
