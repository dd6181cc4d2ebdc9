# Quits while Rust tasks are pending: the exit must be clean (code 0, no
# panic, no leaked objects). Run by the Rust harness as its own scene.
extends Node

var demo = preload("res://addons/gdnative_tokio/async_demo.gdns").new()
signal never


func _ready():
	for i in range(5):
		_wait(demo.delay(30.0 + i))
	_wait(demo.wait_signal(self, "never"))
	_wait(demo.sum_in_steps(1000000000, 1))
	yield(get_tree().create_timer(0.1), "timeout")
	print("quitting with tasks pending")
	get_tree().quit(0)


func _wait(state):
	yield(state, "completed")
	print("unexpected: a pending task completed")
