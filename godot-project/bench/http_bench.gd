# HTTP against Godot's own HTTPRequest, same loopback server (GDT_HTTP_URL,
# started by scripts/bench.sh or the Rust harness), at 60 fps. Rows: frames
# from the call to the result (frame boundaries crossed), wall seconds, and
# main-thread ms per frame: the main thread's CPU time over the run
# (/proc/thread-self/schedstat, read by the testbed: HTTPRequest's polling,
# the crate's pump, GDScript, everything but the frame-rate sleep) divided
# by the frames. (Performance.TIME_PROCESS is no per-frame figure: Godot 3
# sets it once a second, to the longest frame of that second.) Used by
# bench.gd, which also hands over `rows` to collect (for the chart).
extends Node

const AsyncDemo = preload("res://testbed/async_demo.gdns")

var quick = false
var base = OS.get_environment("GDT_HTTP_URL")
# [name, frames, seconds, ms per frame] of every row printed.
var rows = []
var _demo = AsyncDemo.new()
var _done = 0


func run():
	Engine.target_fps = 60
	if base == "":
		push_error("http bench: GDT_HTTP_URL is not set (scripts/bench.sh starts the servers)")
		yield(get_tree(), "idle_frame")
		return
	print(
		(
			"\nHTTP at 60 fps, loopback server (frames from call to "
			+ "result; main-thread ms per frame while running)"
		)
	)
	print("  %-52s %8s %9s %10s %9s" % ["", "frames", "seconds", "ms/frame", "ratio"])
	var reps = 3 if quick else 10
	# One small GET: the median of `reps`.
	var godot_one = yield(_median(reps, "_godot_one", false), "completed")
	var godot_one_t = yield(_median(reps, "_godot_one", true), "completed")
	var ours_one = yield(_median(reps, "_ours_one", null), "completed")
	_row("one small GET: HTTPRequest", godot_one, ours_one)
	_row("one small GET: HTTPRequest use_threads", godot_one_t, ours_one)
	_row("one small GET: Async.http_request", ours_one, ours_one)
	# One GET of 100 kB (the issue's figure for HTTPRequest: 29 frames).
	var godot_100k = yield(_median(reps, "_godot_one", false, "/bytes?n=100000"), "completed")
	var godot_100k_t = yield(_median(reps, "_godot_one", true, "/bytes?n=100000"), "completed")
	var ours_100k = yield(_median(reps, "_ours_one", null, "/bytes?n=100000"), "completed")
	_row("one GET of 100 kB: HTTPRequest", godot_100k, ours_100k)
	_row("one GET of 100 kB: HTTPRequest use_threads", godot_100k_t, ours_100k)
	_row("one GET of 100 kB: Async.http_request", ours_100k, ours_100k)
	# Many concurrent GETs of 100 kB.
	var count = 10 if quick else 100
	var size = 100000
	var godot_many = yield(_measure("_godot_many", [count, size, false]), "completed")
	var godot_many_t = yield(_measure("_godot_many", [count, size, true]), "completed")
	var ours_many = yield(_measure("_ours_many", [count, size]), "completed")
	_row("%d concurrent GETs of 100 kB: HTTPRequest" % count, godot_many, ours_many)
	_row("%d concurrent GETs of 100 kB: HTTPRequest use_threads" % count, godot_many_t, ours_many)
	_row("%d concurrent GETs of 100 kB: Async.http_request" % count, ours_many, ours_many)
	# A big download to a file.
	var mib = 4 if quick else 100
	var godot_big_t = yield(_measure("_godot_download", [mib, true, 0]), "completed")
	var godot_big = yield(
		_measure("_godot_download", [mib, false, 2 if quick else 10]), "completed"
	)
	var ours_big = yield(_measure("_ours_download", [mib]), "completed")
	_row("%d MiB download: HTTPRequest use_threads (64 KiB chunks)" % mib, godot_big_t, ours_big)
	_row(
		"%d MiB download: HTTPRequest (64 KiB chunks)%s" % [mib, godot_big[3]], godot_big, ours_big
	)
	_row("%d MiB download: Async.http_download" % mib, ours_big, ours_big)
	Directory.new().remove("user://bench_godot.bin")
	Directory.new().remove("user://bench_ours.bin")


# Prints a row; the ratio is its frames over `ours`' frames (at least 1).
func _row(name, r, ours):
	print(
		"  %-52s %8d %9.3f %10.2f %8.2fx" % [name, r[0], r[1], r[2], float(r[0]) / max(1, ours[0])]
	)
	rows.append([name, r[0], r[1], r[2]])


# Runs `method(args)` (a coroutine): frames, seconds, main-thread CPU ms
# per frame (over at least one frame), and the extra text it returned.
func _measure(method, args):
	yield(get_tree(), "idle_frame")
	var frame = Engine.get_idle_frames()
	var cpu = _demo.thread_cpu_usec()
	var started = OS.get_ticks_usec()
	var extra = yield(callv(method, args), "completed")
	var secs = (OS.get_ticks_usec() - started) / 1e6
	var frames = Engine.get_idle_frames() - frame
	var ms = (_demo.thread_cpu_usec() - cpu) / 1000.0 / max(1, frames)
	return [frames, secs, ms, extra if extra is String else ""]


func _median(reps, method, arg, path = "/hello"):
	var samples = []
	for _i in range(reps):
		var args = [path] if arg == null else [arg, path]
		samples.append(yield(_measure(method, args), "completed"))
	samples.sort_custom(self, "_by_frames")
	return samples[samples.size() / 2]


func _by_frames(a, b):
	return a[0] < b[0]


func _new_request(threads):
	var req = HTTPRequest.new()
	req.use_threads = threads
	add_child(req)
	req.connect("request_completed", self, "_on_completed", [req])
	return req


func _on_completed(_result, code, _headers, _body, req):
	if code != 200:
		push_error("http bench: HTTPRequest got %d" % code)
	_done += 1
	req.queue_free()


func _wait_done(n, cap_seconds = 0):
	var started = OS.get_ticks_msec()
	yield(get_tree(), "idle_frame")
	while _done < n:
		if cap_seconds > 0 and OS.get_ticks_msec() - started > cap_seconds * 1000:
			return false
		yield(get_tree(), "idle_frame")
	return true


func _godot_one(threads, path):
	_done = 0
	_new_request(threads).request(base + path)
	yield(_wait_done(1), "completed")


func _ours_one(path):
	var r = yield(Async.http_request(base + path), "completed")
	if not r is Dictionary:
		push_error("http bench: %s" % str(r))


func _godot_many(count, size, threads):
	_done = 0
	for i in range(count):
		_new_request(threads).request(base + "/bytes?n=%d&i=%d" % [size, i])
	yield(_wait_done(count), "completed")


func _ours_many(count, size):
	var tasks = []
	for i in range(count):
		tasks.append(Async.http_request(base + "/bytes?n=%d&i=%d" % [size, i]))
	var all = yield(Async.all(tasks), "completed")
	if not all is Array:
		push_error("http bench: %s" % str(all))


# A download with HTTPRequest; without threads it reads one chunk per frame,
# so it is cut after `cap` seconds and the row says how far it got.
func _godot_download(mib, threads, cap):
	_done = 0
	var req = _new_request(threads)
	req.download_chunk_size = 65536
	req.download_file = "user://bench_godot.bin"
	req.request(base + "/bytes?n=%d" % (mib * 1048576))
	var finished = yield(_wait_done(1, cap), "completed")
	if not finished:
		var got = req.get_downloaded_bytes()
		req.cancel_request()
		req.queue_free()
		return (
			" (cut at %d s: %.1f MiB, %.1f MiB/s)"
			% [cap, got / 1048576.0, got / 1048576.0 / cap]
		)
	return ""


func _ours_download(mib):
	var r = yield(
		Async.http_download(base + "/bytes?n=%d" % (mib * 1048576), "user://bench_ours.bin"),
		"completed"
	)
	if not (r is Dictionary and r.saved):
		push_error("http bench: %s" % str(r))
