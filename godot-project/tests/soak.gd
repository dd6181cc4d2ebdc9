# The soak: over 1M tasks through the pool in one headless run, in waves.
# Each wave starts a Rust wave (demo.soak_wave: tasks spawned and awaited in
# Rust, some panicking, cancelled, timing out) and a GDScript wave (async
# methods, toolkit sleeps and frames, tasks cancelled with cancel(), timeouts
# with Async.timeout, Rust panics), awaits all of it, then samples resident
# memory. Fails unless the final sample is within 10% of the first, the pool
# has no live task at the end, and every task was accounted for. Run by the
# Rust harness as its own scene; SOAK_WAVES, SOAK_RUST and SOAK_GD override
# the sizes.
extends Node

const AsyncDemo = preload("res://testbed/async_demo.gdns")

const PANIC_EVERY = 1000

var demo = AsyncDemo.new()

var outstanding = 0

var results = {}


func _env_int(name, default):
	var text = OS.get_environment(name)
	return int(text) if text != "" else default


func _ready():
	print("EXPECT-LOG: panic: soak panic")
	var waves = _env_int("SOAK_WAVES", 10)
	var per_rust = _env_int("SOAK_RUST", 90000)
	var per_gd = _env_int("SOAK_GD", 10000)
	var driver = $AsyncExecutorDriver
	var spawned0 = driver.spawned_tasks()
	var t0 = OS.get_ticks_msec()
	var samples = []
	var failures = []
	for w in range(waves):
		results = {"value": 0, "panic": 0, "cancelled": 0, "timeout": 0, "other": 0}
		var rust = demo.soak_wave(per_rust)
		for i in range(per_gd):
			_start(i)
		var rust_counts = yield(rust, "completed")
		var frames = 0
		while outstanding > 0 and frames < 600:
			yield(get_tree(), "idle_frame")
			frames += 1
		if outstanding > 0:
			failures.append("wave %d: %d GDScript tasks still pending" % [w, outstanding])
			break
		if (
			not (rust_counts is Dictionary)
			or (
				(
					rust_counts.get("completed", 0)
					+ rust_counts.get("panicked", 0)
					+ rust_counts.get("cancelled", 0)
					+ rust_counts.get("timed_out", 0)
				)
				!= per_rust
			)
		):
			failures.append("wave %d: Rust wave resolved with %s" % [w, str(rust_counts)])
		var rss = demo.resident_kib()
		samples.append(rss)
		print(
			(
				"soak wave %d: rss %d KiB, live tasks %d, spawned %d, rust %s, gdscript %s, %d ms"
				% [
					w,
					rss,
					driver.live_tasks(),
					driver.spawned_tasks() - spawned0,
					str(rust_counts),
					str(results),
					OS.get_ticks_msec() - t0
				]
			)
		)
	# Let the last cancelled tasks' runners finish.
	yield(get_tree(), "idle_frame")
	yield(get_tree(), "idle_frame")
	var spawned = driver.spawned_tasks() - spawned0
	var live = driver.live_tasks()
	print(
		(
			"soak: %d tasks through the pool in %d ms, live tasks at the end %d, rss per wave %s"
			% [spawned, OS.get_ticks_msec() - t0, live, str(samples)]
		)
	)
	if spawned < waves * (per_rust + per_gd):
		failures.append("only %d tasks spawned" % spawned)
	if live != 0:
		failures.append("%d tasks still live at the end" % live)
	if samples.size() == waves and samples[0] > 0 and samples[-1] * 10 > samples[0] * 11:
		failures.append("resident memory grew from %d KiB to %d KiB" % [samples[0], samples[-1]])
	if samples.empty() or samples[0] <= 0:
		failures.append("no memory samples")
	for f in failures:
		print("SOAK FAILURE: " + f)
	if failures.empty():
		print("soak: ok")
	get_tree().quit(0 if failures.empty() else 1)


# One GDScript-side task: of every 10, one cancelled, one timing out, the
# others async methods, sleeps and frames; one in PANIC_EVERY panics.
func _start(i):
	var state
	if i % PANIC_EVERY == 0:
		state = demo.panic_after(0.0, "soak panic")
	elif i % 10 == 1:
		state = demo.delay_task(10.0)
		state.cancel()
	elif i % 10 == 2:
		state = Async.timeout(demo.delay_task(10.0), 0.001)
	elif i % 10 == 3:
		state = Async.sleep(0.001)
	elif i % 10 == 4:
		state = Async.frames(1)
	else:
		state = demo.ready(i)
	outstanding += 1
	state.connect("completed", self, "_done", [], CONNECT_ONESHOT)


func _done(value):
	outstanding -= 1
	if value is Object and value.has_method("is_error"):
		if value.kind in results:
			results[value.kind] += 1
		else:
			results["other"] += 1
	else:
		results["value"] += 1
