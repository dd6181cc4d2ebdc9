# What documented GDScript snippets may name, ready for them to run as
# written (tests/snippets.rs wraps each snippet into a script extending this
# one, adding `demo` and `state` unless the snippet declares them):
# `$AsyncExecutorDriver` (this snippet's driver: the scene has no other),
# `$Button` and `$Door` (emit `pressed` and `opened` every few frames),
# `my_coroutine()` and a progress handler.
extends Node

var _frames = 0


func _enter_tree():
	var driver = preload("res://addons/gdnative_tokio/async_executor_driver.gdns").new()
	driver.name = "AsyncExecutorDriver"
	add_child(driver)
	var button = Button.new()
	button.name = "Button"
	add_child(button)
	var door = preload("res://tests/snippets/door.gd").new()
	door.name = "Door"
	add_child(door)


func _process(_delta):
	_frames += 1
	if _frames % 5 == 0:
		$Button.emit_signal("pressed")
		$Door.emit_signal("opened")


func my_coroutine():
	yield(get_tree(), "idle_frame")
	return "coroutine done"


func _on_progress(_value):
	pass


func _on_tick(_value):
	pass
