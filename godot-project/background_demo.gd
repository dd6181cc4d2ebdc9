# A background job (hashing generated data on a worker thread) feeds a
# progress bar while the frame counter shows that frames keep coming.
# Windowed: `godot3-runner --path godot-project res://background_demo.tscn`.
# Headless it prints its progress and quits when done. With
# GDT_SCREENSHOT=file.png it saves a screenshot halfway and quits.
extends Control

const AsyncDemo = preload("res://testbed/async_demo.gdns")

var demo = AsyncDemo.new()

var frames = 0

var frames_at_start = 0

var screenshot = OS.get_environment("GDT_SCREENSHOT")

var headless = OS.get_name() == "Server"

var megabytes = 32 if headless else 256


func _ready():
	var fill = StyleBoxFlat.new()
	fill.bg_color = Color(0.35, 0.75, 0.45)
	$Box/Progress.add_stylebox_override("fg", fill)
	$Box/Title.text = "Hashing %d MiB on a background thread (gdnative-tokio)" % megabytes
	var job = demo.hash_task(megabytes)  # an AsyncTask with progress
	job.connect("progress", self, "_on_progress")
	frames_at_start = frames
	var checksum = yield(job, "completed")
	$Box/Status.text = "done: checksum %s" % checksum
	print(
		(
			"hash_task done: checksum %s after %d frames (last progress %s)"
			% [checksum, frames - frames_at_start, job.progress]
		)
	)
	if headless or OS.get_environment("GDT_QUIT_WHEN_DONE") != "":
		get_tree().quit(0)


func _process(_delta):
	frames += 1
	$Box/Frames.text = "frames while working: %d" % (frames - frames_at_start)


func _on_progress(value):
	$Box/Progress.value = value
	if screenshot != "" and value >= 0.5:
		screenshot = _save_screenshot(screenshot)


func _save_screenshot(path):
	var image = get_viewport().get_texture().get_data()
	image.flip_y()
	var err = image.save_png(path)
	print("screenshot saved to %s (%d)" % [path, err])
	get_tree().quit(0 if err == OK else 1)
	return ""
