# A scene with no AsyncExecutorDriver: the project has only the `Async`
# autoload (what enabling the plugin gives), which pumps by itself. Awaits a
# Rust timer, a game-time sleep, frames and a combinator, prints one line
# and quits (tests/godot.rs checks it and that nothing was printed about a
# missing driver).
extends Node

const AsyncDemo = preload("res://testbed/async_demo.gdns")


func _ready():
	var demo = AsyncDemo.new()
	var waited = yield(demo.delay(0.05), "completed")
	yield(Async.sleep_game(0.05), "completed")
	var values = yield(Async.all([Async.frames(2), Async.sleep(0.01)]), "completed")
	var ok = typeof(waited) == TYPE_REAL and waited >= 0.05 and values[0] == 2
	print("autoload only: tasks ran %s" % ok)
	get_tree().quit(0)
