# The scene change_scene_from_pump.gd changes to: new work completes.
extends Node

var demo = preload("res://testbed/async_demo.gdns").new()


func _ready():
	var value = yield(demo.ready("new scene"), "completed")
	var waited = yield(Async.sleep(0.02), "completed")
	var greeting = yield(demo.greet("again"), "completed")
	print("after change_scene: %s, slept %s, %s" % [value, typeof(waited) == TYPE_REAL, greeting])
	get_tree().quit(0)
