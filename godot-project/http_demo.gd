# Downloads from a server into user:// with a progress bar, while the frame
# counter shows that frames keep coming. The server is GDT_HTTP_URL (the
# loopback test server: `bash scripts/demo.sh http` starts gdt-servers and
# this scene; tests/godot.rs runs it headless). Headless it prints its
# progress and quits when done.
extends Control

var headless = OS.get_name() == "Server"
var size = (32 if headless else 256) * 1048576
var frames = 0
var frames_at_start = 0
var last_printed = -1


func _ready():
	var base = OS.get_environment("GDT_HTTP_URL")
	if base == "":
		$Box/Status.text = "set GDT_HTTP_URL (bash scripts/demo.sh http starts a server)"
		push_error("http_demo: GDT_HTTP_URL is not set")
		get_tree().quit(1)
		return
	var url = base + "/bytes?n=%d" % size
	$Box/Title.text = "Downloading %d MiB from %s (gdnative-tokio)" % [size / 1048576, base]
	var task = Async.http_download(url, "user://http_demo.bin")
	task.connect("progress", self, "_on_progress", [task])
	frames_at_start = frames
	var r = yield(task, "completed")
	if Async.is_error(r):
		$Box/Status.text = r.message
		push_error("http_demo: " + r.message)
		get_tree().quit(1)
		return
	$Box/Status.text = "done: %d bytes in %s" % [r.size, r.path]
	print(
		(
			"http_download done: %d bytes after %d frames (last progress %d of %d)"
			% [r.size, frames - frames_at_start, task.progress, task.progress_total]
		)
	)
	Directory.new().remove("user://http_demo.bin")
	if headless or OS.get_environment("GDT_QUIT_WHEN_DONE") != "":
		get_tree().quit(0)


func _process(_delta):
	frames += 1
	$Box/Frames.text = "frames while downloading: %d" % (frames - frames_at_start)


func _on_progress(bytes, task):
	var total = task.progress_total
	$Box/Progress.value = bytes / total if total > 0 else 0.0
	var percent = int(100 * bytes / total) if total > 0 else -1
	if headless and percent / 25 != last_printed:
		last_printed = percent / 25
		print("downloaded %d of %d bytes" % [bytes, total])
