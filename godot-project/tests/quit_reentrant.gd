# get_tree().quit() from a coroutine resumed inside the pump, then more work
# started after it: the exit must be clean (code 0, no panic, nothing
# leaked). Run by the Rust harness as its own scene.
extends Node

signal never

var demo = preload("res://testbed/async_demo.gdns").new()


func _ready():
	_wait(demo.delay(30.0))
	_wait(Async.signal(self, "never"))
	_wait(demo.wait_signal(self, "never"))
	yield(demo.ready(0), "completed")
	get_tree().quit(0)
	# Still inside the pump, after quit(): start more work of every kind.
	_wait(demo.delay(30.0))
	_wait(Async.sleep(30.0))
	_wait(demo.delay_task(30.0))
	_wait(Async.timeout(demo.delay(30.0), 60.0))
	print("quit from a resumed coroutine")
	var late = yield(demo.ready("late"), "completed")
	print("still pumping after quit: " + str(late))


func _wait(state):
	yield(state, "completed")
	print("unexpected: a pending task completed")
