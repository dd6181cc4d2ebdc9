# Headless benchmark of the executor as GDScript sees it. Prints a table;
# run with `bash scripts/bench.sh godot`. With GDT_BENCH_QUICK set it runs
# small sizes (the test suite does that to keep the scene working); with
# GDT_BENCH_OUT set it writes the frame-time samples there as CSV; with
# GDT_BENCH_ONLY=stream it runs the stream flood only, with
# GDT_BENCH_ONLY=http the HTTP comparison only (it needs GDT_HTTP_URL:
# scripts/bench.sh starts the loopback servers), with
# GDT_BENCH_ONLY=websocket the WebSocket comparison only (GDT_WS_URL),
# with GDT_BENCH_ONLY=net both; with GDT_BENCH_NET_OUT set it writes their
# rows there as CSV (scripts/net_chart.sh draws them).
extends Node

const AsyncDemo = preload("res://testbed/async_demo.gdns")
const SeedRecipe = preload("res://testbed/seed_recipe.gdns")
const RustApi = preload("res://testbed/rust_api.gdns")

var demo = AsyncDemo.new()
var rust_api = RustApi.new()
# The stream flood as the item handler saw it: items counted, the frame of
# the last item, when that frame's first item came and the longest time
# from a frame's first item to its last (us).
var flood = {}
var quick = OS.get_environment("GDT_BENCH_QUICK") != ""
var n = 200 if quick else 10000
var frame_samples = 60 if quick else 600
# Rows of the CSV file (GDT_BENCH_OUT), joined at the end: appending to one
# growing String in the sampling loop made every frame slower than the last.
var csv = PoolStringArray(["scenario,frame_us"])
# The HTTP and WebSocket rows (GDT_BENCH_NET_OUT).
var net_csv = PoolStringArray(["row,frames,seconds,ms_per_frame"])
# The CPU-heavy background job, left running at exit on purpose.
var _background_job = null


func _ready():
	# The headless server cannot draw, so it sleeps this long every frame
	# whatever low_processor_usage_mode says.
	OS.low_processor_usage_mode = false
	OS.low_processor_usage_mode_sleep_usec = 0
	call_deferred("_run")


func _run():
	print("gdnative-tokio benchmark (%s)" % ("quick" if quick else "full"))
	# GDT_BENCH_ONLY=stream runs the stream flood alone.
	if OS.get_environment("GDT_BENCH_ONLY") == "stream":
		yield(_stream_flood(), "completed")
	elif OS.get_environment("GDT_BENCH_ONLY") == "http":
		yield(_http(), "completed")
	elif OS.get_environment("GDT_BENCH_ONLY") == "websocket":
		yield(_http("ws_bench.gd"), "completed")
	elif OS.get_environment("GDT_BENCH_ONLY") == "net":
		yield(_http(), "completed")
		yield(_http("ws_bench.gd"), "completed")
	else:
		yield(_http(), "completed")
		yield(_http("ws_bench.gd"), "completed")
		yield(_round_trips(), "completed")
		yield(_concurrent(), "completed")
		yield(_timers(), "completed")
		yield(_stream_flood(), "completed")
		yield(_frame_times(), "completed")
	_write(OS.get_environment("GDT_BENCH_OUT"), csv)
	_write(OS.get_environment("GDT_BENCH_NET_OUT"), net_csv)
	print("benchmark done")
	get_tree().quit(0)


# HTTP against Godot's HTTPRequest (bench/http_bench.gd), or WebSocket
# against Godot's WebSocketClient (bench/ws_bench.gd).
func _http(script = "http_bench.gd"):
	var bench = load("res://bench/" + script).new()
	bench.quick = quick
	add_child(bench)
	yield(bench.run(), "completed")
	for r in bench.rows:
		net_csv.append('"%s",%d,%f,%f' % r)
	bench.queue_free()
	Engine.target_fps = 0


# Writes `lines` to file `path`, unless `path` is empty.
func _write(path, lines):
	if path == "":
		return
	var file = File.new()
	if file.open(path, File.WRITE) == OK:
		file.store_string(lines.join("\n") + "\n")
		file.close()


func _coroutine(x):
	yield(get_tree(), "idle_frame")
	return x


# Sequential awaits: a Rust future that is ready at once, against a GDScript
# coroutine that resumes on the next frame (GDScript's own baseline).
func _round_trips():
	Engine.target_fps = 0
	yield(get_tree(), "idle_frame")
	var t0 = OS.get_ticks_usec()
	var f0 = Engine.get_idle_frames()
	for i in range(n):
		yield(demo.ready(i), "completed")
	var rust_us = OS.get_ticks_usec() - t0
	var rust_frames = Engine.get_idle_frames() - f0
	t0 = OS.get_ticks_usec()
	f0 = Engine.get_idle_frames()
	for i in range(n):
		yield(_coroutine(i), "completed")
	var gd_us = OS.get_ticks_usec() - t0
	var gd_frames = Engine.get_idle_frames() - f0
	print("\n%d sequential awaits (uncapped fps)" % n)
	print("  %-28s %9s %12s %10s" % ["", "total ms", "us / await", "frames"])
	print(
		(
			"  %-28s %9.1f %12.2f %10d"
			% ["Rust ready future", rust_us / 1000.0, float(rust_us) / n, rust_frames]
		)
	)
	print(
		(
			"  %-28s %9.1f %12.2f %10d"
			% ["GDScript coroutine", gd_us / 1000.0, float(gd_us) / n, gd_frames]
		)
	)
	print("  ratio Rust / GDScript: %.2fx per await" % (float(rust_us) / gd_us))


func _await_delay(state, seconds):
	yield(demo.delay(seconds), "completed")
	state.left -= 1
	var frame = Engine.get_idle_frames()
	if state.first_frame < 0:
		state.first_frame = frame
		state.first_us = OS.get_ticks_usec()
	state.last_frame = frame
	state.last_us = OS.get_ticks_usec()


# n Rust futures (timers) that become ready together, awaited concurrently.
func _concurrent():
	Engine.target_fps = 60
	yield(get_tree(), "idle_frame")
	var delay = 0.2
	var state = {"left": n, "first_frame": -1, "last_frame": -1, "first_us": 0, "last_us": 0}
	for _i in range(n):
		_await_delay(state, delay)
	while state.left > 0:
		yield(get_tree(), "idle_frame")
	print("\n%d concurrent awaits of timers expiring together (60 fps)" % n)
	print(
		(
			"  all resumed in %d frame(s), %.1f ms from the first resume to the last"
			% [state.last_frame - state.first_frame + 1, (state.last_us - state.first_us) / 1000.0]
		)
	)


# Lateness of `Async.sleep` (frame-aware Tokio timer) awaited from GDScript,
# in ms and in frames.
func _timers():
	Engine.target_fps = 60
	var frame_ms = 1000.0 / 60.0
	print("\ntimer lateness at 60 fps (%d samples each)" % (3 if quick else 10))
	print("  %-8s %10s %10s %12s" % ["delay", "mean ms", "max ms", "max frames"])
	for delay in [0.01, 0.05, 0.25]:
		var total = 0.0
		var worst = 0.0
		var samples = 3 if quick else 10
		for _i in range(samples):
			yield(get_tree(), "idle_frame")
			# Async.sleep resolves with the seconds from the call to the
			# pump that resolved it.
			var waited = yield(Async.sleep(delay), "completed")
			var late = waited * 1000.0 - delay * 1000.0
			total += late
			worst = max(worst, late)
		print(
			(
				"  %-8s %10.2f %10.2f %12.2f"
				% ["%d ms" % int(delay * 1000), total / samples, worst, worst / frame_ms]
			)
		)


# Frames at 60 fps while an OS thread streams 1 M items per second into an
# AsyncStream (RustApi.flood_stream: a bounded channel of 1024) and the
# script counts them, against idle frames measured just before: without a
# frame budget, then with frame_budget_ms = 2. The stream takes at most
# 1 ms (or the budget) per frame; the producer waits for room meanwhile.
func _stream_flood():
	Engine.target_fps = 60
	var seconds = 0.3 if quick else 1.0
	print("\nframes at 60 fps while 1 M items/s stream in (%.1f s each) vs idle frames" % seconds)
	print(
		(
			"  %-24s %10s %10s %14s %12s %16s"
			% ["", "median us", "worst us", "worst / idle", "items / s", "stream us/frame"]
		)
	)
	var idle = yield(_flood_frames(seconds, false), "completed")
	_flood_row("idle (baseline)", idle, idle)
	var driver = $AsyncExecutorDriver
	for budget in [0, 2]:
		driver.frame_budget_ms = budget
		var r = yield(_flood_frames(seconds, true), "completed")
		_flood_row("frame_budget_ms = %d" % budget, r, idle)
	driver.frame_budget_ms = 0


func _on_flood_item(_value):
	var now = OS.get_ticks_usec()
	var frame = Engine.get_idle_frames()
	if frame != flood.frame:
		flood.frame = frame
		flood.first_us = now
	flood.longest_us = max(flood.longest_us, now - flood.first_us)
	flood.items += 1


# [median us, worst us, items per second, longest stream time in a frame]
# of the frames over `seconds`, while a flood streams in if `with_flood`
# (until the stream finished).
func _flood_frames(seconds, with_flood):
	for _i in range(10):
		yield(get_tree(), "idle_frame")
	flood = {"items": 0, "frame": -1, "first_us": 0, "longest_us": 0}
	var stream = null
	if with_flood:
		stream = rust_api.flood_stream(seconds, 1000000)
		stream.connect("item", self, "_on_flood_item")
	var times = []
	var start = OS.get_ticks_usec()
	var last = start
	while (
		(stream != null and not stream.is_finished())
		or (stream == null and last - start < seconds * 1000000)
	):
		yield(get_tree(), "idle_frame")
		var now = OS.get_ticks_usec()
		times.append(now - last)
		last = now
	times.sort()
	return [
		times[times.size() / 2],
		times[-1],
		flood.items * 1000000.0 / (last - start),
		flood.longest_us
	]


func _flood_row(name, r, idle):
	print(
		(
			"  %-24s %10d %10d %13.2fx %12.0f %16d"
			% [name, r[0], r[1], float(r[1]) / idle[1], r[2], r[3]]
		)
	)


func _sample_frames(scenario):
	# Settle first: the first frames after a change pay one-off costs.
	for _i in range(10):
		yield(get_tree(), "idle_frame")
	var times = []
	var last = OS.get_ticks_usec()
	for _i in range(frame_samples):
		yield(get_tree(), "idle_frame")
		var now = OS.get_ticks_usec()
		times.append(now - last)
		last = now
	for t in times:
		csv.append("%s,%d" % [scenario, t])
	times.sort()
	var median = times[times.size() / 2]
	var p99 = times[int(times.size() * 0.99)]
	print("  %-56s %10.1f %10.1f %10.1f" % [scenario, median, p99, times[-1]])
	return [median, p99]


# Frame time with an uncapped frame rate, so the executor's per-frame cost
# shows: the same scenes pumped by the seed recipe's pump (its own runtime
# and LocalSet, pumped in a node's _process; the crate's pool idles beside
# it), then by the crate.
func _frame_times():
	Engine.target_fps = 0
	print("\nframe time over %d frames, uncapped fps (us)" % frame_samples)
	print("  %-56s %10s %10s %10s" % ["", "median", "p99", "worst"])
	var recipe = SeedRecipe.new()
	add_child(recipe)
	yield(_sample_frames("seed recipe: idle"), "completed")
	recipe.park(n)
	yield(_sample_frames("seed recipe: %d pending tasks" % n), "completed")
	recipe.spin(3600.0)
	yield(_sample_frames("seed recipe: 1 self-waking task (+%d pending)" % n), "completed")
	var job = demo.background_spin(0.2 if quick else 1.0)
	yield(_sample_frames("seed recipe: CPU-heavy background job (+ all above)"), "completed")
	yield(job, "completed")
	recipe.queue_free()
	yield(get_tree(), "idle_frame")
	yield(_sample_frames("gdnative-tokio: idle"), "completed")
	var pending = []
	for _i in range(n):
		pending.append(demo.delay(3600))
	yield(_sample_frames("gdnative-tokio: %d pending tasks" % n), "completed")
	pending.clear()
	var spin = demo.spin(3600)
	yield(_sample_frames("gdnative-tokio: 1 self-waking task (+%d pending)" % n), "completed")
	spin = null
	# Left running at exit on purpose: quitting waits for it at most 0.5 s.
	_background_job = demo.background_spin(2 if quick else 30)
	yield(_sample_frames("gdnative-tokio: CPU-heavy background job (+ all above)"), "completed")
