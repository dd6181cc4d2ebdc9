# The demo: several Rust futures run concurrently while frames keep coming.
# Run it with `bash scripts/demo.sh` (headless) from the repository root.
extends Node

# A Rust future that waits for a Godot signal emitted by this script.
signal ping(value)

const AsyncDemo = preload("res://testbed/async_demo.gdns")

var demo = AsyncDemo.new()

var start_ms = 0

var running = 0


func _ready():
	start_ms = OS.get_ticks_msec()
	say("starting 4 Rust futures at once")
	running = 4
	_timer("delay(0.3)", demo.delay(0.3))
	_timer("delay(0.1)", demo.delay(0.1))
	_timer("sum_in_steps(200000, 20000)", demo.sum_in_steps(200000, 20000))
	_timer('greet("player")', demo.greet("player"))


# Awaits one Rust future and reports what it resolved with.
func _timer(label, state):
	var frame0 = Engine.get_idle_frames()
	var result = yield(state, "completed")
	say("%s -> %s (after %d frames)" % [label, str(result), Engine.get_idle_frames() - frame0])
	running -= 1
	if running == 0:
		yield(_signal_round_trip(), "completed")
		yield(_toolkit_tour(), "completed")
		say("all futures done; quitting")
		get_tree().quit(0)


func _signal_round_trip():
	var state = demo.wait_signal(self, "ping")
	yield(get_tree(), "idle_frame")
	emit_signal("ping", "pong")
	var args = yield(state, "completed")
	say('wait_signal(self, "ping") -> %s' % str(args))


func say(text):
	print("[demo %4d ms] %s" % [OS.get_ticks_msec() - start_ms, text])


# The `Async` autoload (res://addons/gdnative_tokio/async_toolkit.gdns):
# combinators over Rust futures and GDScript coroutines alike.
func _toolkit_tour():
	var both = yield(Async.all([demo.greet("all"), _countdown(3)]), "completed")
	say("Async.all([greet, countdown]) -> %s" % str(both))
	var first = yield(Async.any([Async.sleep(5.0), _countdown(2)]), "completed")
	say("Async.any([sleep(5), countdown]) -> index %d, value %s" % [first.index, first.value])
	var late = yield(Async.timeout(demo.delay(10.0), 0.1), "completed")
	say("Async.timeout(delay(10), 0.1) -> %s" % late.kind)
	var task = Async.sleep(10.0)
	task.cancel()
	var cancelled = yield(task, "completed")
	say("task.cancel() -> %s" % cancelled.kind)


# A plain GDScript coroutine: counts down one frame at a time.
func _countdown(n):
	for _i in range(n):
		yield(get_tree(), "idle_frame")
	return "countdown done"
