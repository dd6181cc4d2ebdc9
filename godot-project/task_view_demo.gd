# The live task view (addons/gdnative_tokio/task_overlay.tscn) over a mix of
# running tasks: Rust async methods, toolkit calls, a labelled Rust task,
# combinators. F3 toggles the overlay. Headless it prints the overlay's
# rows and quits; with GDT_SCREENSHOT=file.png it saves a screenshot.
extends Control

signal never

const AsyncDemo = preload("res://testbed/async_demo.gdns")

var demo = AsyncDemo.new()

var screenshot = OS.get_environment("GDT_SCREENSHOT")


func _ready():
	demo.delay(30.0)
	Async.sleep(20.0)
	Async.sleep_game(15.0)
	Async.signal(self, "never")
	Async.frames(100000)
	Async.any([Async.sleep(25.0), [self, "never"]])
	Async.timeout(demo.delay_task(40.0), 35.0)
	demo.labelled("load level 3 (Rust label)", 12.0)
	demo.hash_task(4096)
	for i in range(20):
		Async.sleep_game(10.0 + i)
	yield(Async.sleep(1.0), "completed")
	$TaskOverlay.refresh()
	print("task view: %s" % $TaskOverlay.get_node("Box/Title").text)
	if screenshot != "":
		yield(get_tree(), "idle_frame")
		yield(get_tree(), "idle_frame")
		var image = get_viewport().get_texture().get_data()
		image.flip_y()
		print("screenshot saved to %s (%d)" % [screenshot, image.save_png(screenshot)])
	get_tree().quit(0)
