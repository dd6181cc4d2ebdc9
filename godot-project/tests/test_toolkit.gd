# The `Async` autoload: sleep, frames, timeout, all, any, signal, tasks.
extends "res://tests/test_case.gd"

signal ping(a, b)

signal release

var demo = AsyncDemo.new()

# `tokio::spawn` from a plain method called in `_ready` (outside any pump).
var spawned_in_ready = null

# Async.sleep(d) called from _process resolves in the first frame at or
# after call + d (its deadline counts from the call, not the next pump).
var _sleep_calls = []

# Set by that test only: the other tests' instances start no sleeps (they
# would resume after their instance is freed).
var _sleeping_from_process = false

var _frame_starts = {}


func _ready():
	spawned_in_ready = demo.runtime_spawn(42)


# A GDScript coroutine that returns `value` after `n` (>= 1) frames.
func coro(value, n):
	yield(frames(n), "completed")
	return value


# A GDScript coroutine that returns `value` once the test emits `release`
# (tests must release them before they end: Godot errors when a coroutine
# resumes after its object was freed).
func held(value):
	yield(self, "release")
	return value


# Checks an `any` result (GDScript 3 compares dictionaries by reference).
func check_pick(r, index, value, message):
	if check(
		r is Dictionary and r.size() == 2, "%s: a 2-key Dictionary, got %s" % [message, str(r)]
	):
		check_eq(r.get("index"), index, message + ": index")
		check_eq(r.get("value"), value, message + ": value")


# Waits until every watched box is done, or `max_frames` passed. Always
# yields, so callers can always `yield(settle(...), "completed")`.
func settle(boxes, max_frames):
	for _i in range(max_frames):
		yield(get_tree(), "idle_frame")
		var all_done = true
		for box in boxes:
			all_done = all_done and box.done
		if all_done:
			break


# Checks that `task` (a demo.delay_task) was cancelled and that its Rust
# future was dropped: `dropped_before` is demo.dropped_early() from before.
func check_gone(task, dropped_before, what):
	check(task.is_cancelled(), what + " was cancelled")
	check_eq(demo.dropped_early() - dropped_before, 1, what + ": its future's Drop ran")


func is_task(value):
	return value is Object and value.has_method("cancel") and value.has_method("is_done")


# --- sleep -----------------------------------------------------------------


func test_sleep_waits_on_a_timer_and_returns_a_task():
	var t0 = OS.get_ticks_msec()
	var task = Async.sleep(0.05)
	check(is_task(task), "sleep returns an AsyncTask, got %s" % str(task))
	var waited = yield(task, "completed")
	var ms = OS.get_ticks_msec() - t0
	check(typeof(waited) == TYPE_REAL and waited >= 0.05, "waited %s s" % str(waited))
	check(ms >= 50 and ms < 1000, "sleep(0.05) took %d ms" % ms)
	check(task.is_done() and not task.is_cancelled(), "done, not cancelled")
	check_eq(task.result, waited, "result property")


func test_sleep_zero_still_gives_the_frame_back():
	var f0 = Engine.get_idle_frames()
	yield(Async.sleep(0), "completed")
	check(Engine.get_idle_frames() > f0, "sleep(0) resumed in a later frame")


func test_sleep_bad_arguments():
	expect_log("sleep: bad_arguments: argument 1 `seconds`: expected a number, got String")
	expect_log("sleep: bad_arguments: argument 1 `seconds`: must be between 0 and 86400, got -1")
	expect_log("sleep: bad_arguments: expected 1 argument(s), got 0")
	for task in [Async.sleep("soon"), Async.sleep(-1), Async.sleep()]:
		var r = yield(task, "completed")
		check(is_async_error(r, "bad_arguments"), "bad sleep: %s" % str(r))
		check(task.is_done(), "a refused call is a done task")


# --- frames ----------------------------------------------------------------


func test_frames_resumes_after_n_frames():
	var f0 = Engine.get_idle_frames()
	var n = yield(Async.frames(5), "completed")
	var waited = Engine.get_idle_frames() - f0
	check_eq(n, 5, "frames(5) resolves with 5")
	check(waited >= 5 and waited <= 8, "frames(5) took %d frames" % waited)


func test_frames_bad_arguments():
	expect_log("frames: bad_arguments: argument 1 `n`: must be in 0..=1000000, got -1")
	expect_log("frames: bad_arguments: argument 1 `n`")
	check(is_async_error(yield(Async.frames(-1), "completed"), "bad_arguments"), "negative")
	check(is_async_error(yield(Async.frames("two"), "completed"), "bad_arguments"), "string")


# --- timeout ---------------------------------------------------------------


func test_timeout_passes_the_value_through():
	check_eq(yield(Async.timeout(demo.ready(7), 1.0), "completed"), 7, "Rust state")
	check_eq(yield(Async.timeout(coro("g", 2), 1.0), "completed"), "g", "GDScript coroutine")
	check_eq(
		yield(Async.timeout(demo.ready(null), 1.0), "completed"),
		null,
		"null is a value, not a timeout"
	)


func test_timeout_resolves_with_a_timeout_error():
	var t0 = OS.get_ticks_msec()
	var r = yield(Async.timeout(demo.delay(5.0), 0.05), "completed")
	var ms = OS.get_ticks_msec() - t0
	check(is_async_error(r, "timeout"), "timeout error, got %s" % str(r))
	check(ms >= 50 and ms < 1000, "gave up after %d ms" % ms)
	if is_async_error(r):
		check_eq(r.method, "timeout", "method")
		check(r.message.begins_with("no result within 0.05"), "message: %s" % r.message)
	r = yield(Async.timeout(held("late"), 0.05), "completed")
	check(is_async_error(r, "timeout"), "a slow coroutine times out: %s" % str(r))
	emit_signal("release")


func test_timeout_drops_the_rust_future():
	var before = demo.dropped_early()
	var task = demo.delay_task(5.0)
	var r = yield(Async.timeout(task, 0.05), "completed")
	check(is_async_error(r, "timeout"), "timed out: %s" % str(r))
	check_gone(task, before, "the timed-out task")


func test_timeout_bad_arguments():
	expect_log(
		(
			"timeout: bad_arguments: argument 1 `awaitable`: expected an awaitable "
			+ "(an object with a `completed` signal), got int"
		)
	)
	expect_log("timeout: bad_arguments: argument 2 `seconds`: expected a number")
	check(is_async_error(yield(Async.timeout(1, 1.0), "completed"), "bad_arguments"), "int")
	check(
		is_async_error(yield(Async.timeout(demo.ready(1), "x"), "completed"), "bad_arguments"),
		"seconds"
	)


# --- all -------------------------------------------------------------------


func test_all_mixes_rust_states_coroutines_and_tasks_in_input_order():
	var values = yield(
		Async.all(
			[
				demo.delay(0.05),
				coro("gd", 2),
				Async.frames(1),
				demo.ready("rust"),
				demo.greet("all"),
			]
		),
		"completed"
	)
	check(values is Array and values.size() == 5, "5 values: %s" % str(values))
	if values is Array and values.size() == 5:
		check(
			typeof(values[0]) == TYPE_REAL and values[0] >= 0.05, "delay first: %s" % str(values[0])
		)
		check_eq(values[1], "gd", "coroutine second")
		check_eq(values[2], 1, "frames third")
		check_eq(values[3], "rust", "ready fourth")
		check_eq(values[4], "hello, all", "greet fifth")


func test_all_accepts_already_resolved_rust_states():
	var state = demo.ready(5)
	yield(Async.frames(3), "completed")
	check_eq(
		yield(Async.all([state, coro(6, 1)]), "completed"),
		[5, 6],
		"resolved state's value is read back"
	)


func test_all_fails_fast_and_cancels_the_rest():
	expect_log("panic_after: panic: boom at")
	var before = demo.dropped_early()
	var slow = demo.delay_task(5.0)
	var t0 = OS.get_ticks_msec()
	var r = yield(Async.all([slow, demo.panic_after(0.02, "boom")]), "completed")
	check(is_async_error(r, "panic"), "all passes the panic on: %s" % str(r))
	if is_async_error(r):
		check_eq(r.method, "all", "method")
		check(
			r.message.begins_with("item 1 failed: panic_after failed (panic): boom"),
			"message: %s" % r.message
		)
	check(OS.get_ticks_msec() - t0 < 1000, "did not wait for the slow item")
	check_gone(slow, before, "the slow task")


func test_all_bad_inputs():
	expect_log("all: bad_arguments: argument 1 `awaitables`: the array is empty")
	expect_log(
		"all: bad_arguments: argument 1 `awaitables`: expected an Array of awaitables, got String"
	)
	expect_log(
		(
			"all: bad_arguments: argument 1 `awaitables`: item 1: expected an "
			+ "awaitable (an object with a `completed` signal), got int"
		)
	)
	expect_log(
		(
			"all: bad_arguments: argument 1 `awaitables`: item 0: expected an "
			+ "awaitable (an object with a `completed` signal), got null"
		)
	)
	expect_log(
		(
			"all: bad_arguments: argument 1 `awaitables`: item 0: not awaitable: "
			+ "Reference has no signal `completed`"
		)
	)
	expect_log("all: freed: argument 1 `awaitables`: item 0: the object was freed")
	expect_log(
		"all: bad_arguments: argument 1 `awaitables`: item 0: this GDScript coroutine already completed"
	)
	var freed = Node.new()
	freed.free()
	var done = coro(1, 1)
	yield(done, "completed")
	var cases = [
		[Async.all([]), "bad_arguments"],
		[Async.all("x"), "bad_arguments"],
		[Async.all([demo.ready(1), 2]), "bad_arguments"],
		[Async.all([null]), "bad_arguments"],
		[Async.all([Reference.new()]), "bad_arguments"],
		[Async.all([freed]), "freed"],
		[Async.all([done]), "bad_arguments"],
	]
	for i in range(cases.size()):
		var r = yield(cases[i][0], "completed")
		check(is_async_error(r, cases[i][1]), "case %d: want %s, got %s" % [i, cases[i][1], str(r)])


func test_all_resolves_with_freed_when_an_awaited_object_is_freed():
	expect_log("signal: freed: the object was freed before it emitted `completed`")
	var node = Node.new()
	node.add_user_signal("completed")
	var task = Async.all([node, Async.sleep(5.0)])
	yield(frames(2), "completed")
	node.free()
	var r = yield(task, "completed")
	check(is_async_error(r, "freed"), "freed: %s" % str(r))


# --- any -------------------------------------------------------------------


func test_any_returns_the_first_finisher_index_and_value():
	var r = yield(Async.any([demo.delay(2.0), coro("gd", 2), Async.sleep(3.0)]), "completed")
	check_pick(r, 1, "gd", "the coroutine wins")
	r = yield(Async.any([held("slow"), demo.ready("rust")]), "completed")
	check_pick(r, 1, "rust", "the Rust state wins")
	emit_signal("release")


func test_any_cancels_the_losing_tasks():
	var before = demo.dropped_early()
	var loser = demo.delay_task(5.0)
	var r = yield(Async.any([loser, Async.frames(2)]), "completed")
	check_pick(r, 1, 2, "frames wins")
	check_gone(loser, before, "the loser")


func test_any_bad_inputs():
	expect_log("any: bad_arguments: argument 1 `awaitables`: the array is empty")
	expect_log(
		"any: bad_arguments: argument 1 `awaitables`: expected an Array of awaitables, got null"
	)
	expect_log("any: freed: argument 1 `awaitables`: item 1: the object was freed")
	var freed = Node.new()
	freed.free()
	check(is_async_error(yield(Async.any([]), "completed"), "bad_arguments"), "empty")
	check(is_async_error(yield(Async.any(null), "completed"), "bad_arguments"), "null")
	check(is_async_error(yield(Async.any([demo.ready(1), freed]), "completed"), "freed"), "freed")


# --- signal ----------------------------------------------------------------


func test_signal_resolves_with_the_arguments():
	var task = Async.signal(self, "ping")
	yield(frames(2), "completed")
	emit_signal("ping", 1, "a")
	check_eq(yield(task, "completed"), [1, "a"], "signal arguments")
	check_eq(get_signal_connection_list("ping").size(), 0, "disconnected after the emission")


func test_signal_with_a_timeout():
	var task = Async.signal(self, "ping", 0.05)
	var r = yield(task, "completed")
	check(is_async_error(r, "timeout"), "timeout: %s" % str(r))
	check_eq(get_signal_connection_list("ping").size(), 0, "the timed-out wait disconnected")
	emit_signal("ping", 2, "b")  # nobody listens; must be harmless
	task = Async.signal(self, "ping", 1.0)
	yield(frames(1), "completed")
	emit_signal("ping", 3, "c")
	check_eq(yield(task, "completed"), [3, "c"], "emitted before the limit")


func test_signal_on_an_object_freed_while_waiting():
	expect_log("signal: freed: the object was freed before it emitted `renamed`")
	var node = Node.new()
	var task = Async.signal(node, "renamed")
	yield(frames(2), "completed")
	node.free()
	var r = yield(task, "completed")
	check(is_async_error(r, "freed"), "freed: %s" % str(r))


func test_signal_bad_arguments():
	expect_log("signal: bad_arguments: argument 2 `signal`: Node has no signal `nope`")
	expect_log("signal: freed: argument 1 `object`: the object was freed")
	expect_log("signal: bad_arguments: argument 1 `object`: expected an object")
	expect_log("signal: bad_arguments: argument 3 `timeout`: must be between 0 and 86400, got -2")
	var node = Node.new()
	var freed = Node.new()
	freed.free()
	var cases = [
		[Async.signal(node, "nope"), "bad_arguments"],
		[Async.signal(freed, "renamed"), "freed"],
		[Async.signal(3, "x"), "bad_arguments"],
		[Async.signal(self, "ping", -2), "bad_arguments"],
	]
	for i in range(cases.size()):
		var r = yield(cases[i][0], "completed")
		check(is_async_error(r, cases[i][1]), "case %d: want %s, got %s" % [i, cases[i][1], str(r)])
	check(node.get_meta_list().empty(), "no watcher left behind: %s" % str(node.get_meta_list()))
	node.free()


# --- tasks -----------------------------------------------------------------


func test_cancel_drops_the_future_at_once_and_resumes_with_cancelled():
	var before = demo.dropped_early()
	var task = demo.delay_task(5.0)
	yield(frames(2), "completed")
	check(not task.is_done(), "running")
	check(task.cancel(), "cancel() returns true")
	check_eq(demo.dropped_early() - before, 1, "the future was dropped inside cancel()")
	check(task.is_cancelled() and task.is_done(), "cancelled and done")
	check(not task.cancel(), "a second cancel() returns false")
	var r = yield(task, "completed")
	check(is_async_error(r, "cancelled"), "yield resumes with cancelled: %s" % str(r))
	check(is_async_error(task.result, "cancelled"), "result: %s" % str(task.result))


func test_a_finished_task_cannot_be_cancelled():
	var task = Async.sleep(0.01)
	check_eq(task.result, null, "no result while running")
	var r = yield(task, "completed")
	check(not task.cancel(), "cancel() after completion returns false")
	check(not task.is_cancelled(), "not cancelled")
	check_eq(task.result, r, "the result stays")


func test_cancelling_a_combinator_cancels_its_tasks():
	var inner = demo.delay_task(5.0)
	var outer = Async.all([inner, held(1)])
	yield(frames(2), "completed")
	outer.cancel()
	check(inner.is_cancelled(), "the inner task was cancelled with the combinator")
	check(is_async_error(yield(outer, "completed"), "cancelled"), "outer resumes with cancelled")
	emit_signal("release")


func test_task_wraps_any_awaitable():
	var task = Async.task(coro("wrapped", 2))
	check(is_task(task), "task() returns a task")
	check_eq(yield(task, "completed"), "wrapped", "coroutine value")
	check_eq(yield(Async.task(demo.ready(3)), "completed"), 3, "Rust state value")
	var done = Async.sleep(0.01)
	var waited = yield(done, "completed")
	check_eq(
		yield(Async.task(done), "completed"), waited, "an already finished task gives its result"
	)


# --- one error convention --------------------------------------------------


func test_every_failure_is_the_same_kind_of_value():
	expect_log("parse_int: failed: invalid digit found in string")
	expect_log("panic_after: panic: real panic at")
	expect_log("signal: freed: the object was freed before it emitted `renamed`")
	var node = Node.new()
	var freed_wait = Async.signal(node, "renamed")
	var cancelled = demo.delay_task(5.0)
	cancelled.cancel()
	var boxes = {
		"failed": watch(demo.parse_int("12x")),
		"panic": watch(demo.panic_after(0.01, "real panic")),
		"timeout": watch(Async.timeout(demo.delay(5.0), 0.02)),
		"cancelled": watch(cancelled),
		"freed": watch(freed_wait),
	}
	yield(frames(1), "completed")
	node.free()
	yield(settle(boxes.values(), 120), "completed")
	for kind in boxes:
		check(boxes[kind].done, "%s resolved" % kind)
		var r = boxes[kind].value
		check(is_async_error(r, kind), "%s: got %s" % [kind, str(r)])
		if is_async_error(r):
			check(
				r.is_error() and r.method != "" and r.message != "",
				"%s has method and message: %s" % [kind, str(r)]
			)
	check_eq(yield(demo.parse_int(" 42 "), "completed"), 42, "Ok passes the value")


func test_an_err_from_a_rust_task_is_a_failed_error():
	expect_log("countdown: failed: cannot count down from -1")
	var r = yield(demo.countdown(-1), "completed")
	check(is_async_error(r, "failed"), "Err -> failed: %s" % str(r))
	if is_async_error(r):
		check_eq(r.message, "cannot count down from -1", "the Err's Display is the message")
		check_eq(r.method, "countdown", "method")
	check_eq(yield(demo.countdown(2), "completed"), "liftoff", "Ok -> value")


func test_tokio_spawn_from_a_plain_method_in_ready_works():
	check_eq(spawned_in_ready, true, "runtime_spawn returned")
	var r = yield(demo.runtime_result(), "completed")
	check_eq(r, 42, "the runtime task's value")


func _process(_delta):
	if _sleeping_from_process and _sleep_calls.size() < 9 and Engine.get_idle_frames() % 3 == 0:
		var d = 0.01 + 0.004 * _sleep_calls.size()
		var entry = {"called": OS.get_ticks_usec(), "d": d, "done_frame": -1, "frame_starts": []}
		_sleep_calls.append(entry)
		_await_sleep(entry)


func _await_sleep(entry):
	yield(Async.sleep(entry["d"]), "completed")
	entry["done_frame"] = Engine.get_idle_frames()


func test_sleep_called_from_process_resolves_in_the_first_frame_at_or_after_its_deadline():
	var tree = get_tree()
	_sleeping_from_process = true
	var last = Engine.get_idle_frames()
	_frame_starts[last] = OS.get_ticks_usec()
	while true:
		yield(tree, "idle_frame")
		var f = Engine.get_idle_frames()
		if not _frame_starts.has(f):
			_frame_starts[f] = OS.get_ticks_usec()
		var all_done = _sleep_calls.size() == 9
		for e in _sleep_calls:
			if e["done_frame"] < 0:
				all_done = false
		if all_done or f - last > 600:
			break
	check_eq(_sleep_calls.size(), 9, "sleeps started")
	for e in _sleep_calls:
		var due = e["called"] + int(e["d"] * 1000000.0)
		var first = -1
		var frames = _frame_starts.keys()
		frames.sort()
		# Recorded after each frame's pump: frame f's pump surely started
		# after the deadline when frame f - 1's record is past it.
		for i in range(1, frames.size()):
			if _frame_starts[frames[i - 1]] >= due:
				first = frames[i]
				break
		check(e["done_frame"] >= 0, "a sleep of %s s resolved" % e["d"])
		if first >= 0 and e["done_frame"] >= 0:
			check(
				e["done_frame"] <= first,
				(
					"sleep(%s) resolved in frame %d, but frame %d started after its deadline"
					% [e["d"], e["done_frame"], first]
				)
			)


# --- Godot's own awaitables: SceneTreeTimers and [object, "signal"] --------


func test_combinators_accept_scene_tree_timers():
	check_pick(
		yield(Async.any([Async.sleep(5.0), get_tree().create_timer(0.05)]), "completed"),
		1,
		null,
		"any with a timer"
	)
	check_eq(yield(Async.task(get_tree().create_timer(0.01)), "completed"), null, "task(timer)")
	var r = yield(Async.timeout(get_tree().create_timer(5.0), 0.05), "completed")
	check(is_async_error(r, "timeout"), "timeout(timer): %s" % str(r))


func test_combinators_accept_object_signal_pairs():
	var task = Async.all([get_tree().create_timer(0.01), [self, "ping"]])
	yield(frames(3), "completed")
	emit_signal("ping", 1, "two")
	var r = yield(task, "completed")
	check(
		r is Array and r.size() == 2 and r[0] == null and str(r[1]) == str([1, "two"]),
		"all([timer, pair]) -> [null, [1, two]], got %s" % str(r)
	)
	var node = Node.new()
	node.add_user_signal("opened")
	add_child(node)
	r = yield(Async.timeout([node, "opened"], 0.05), "completed")
	check(is_async_error(r, "timeout"), "timeout(pair): %s" % str(r))
	check_eq(node.get_signal_connection_list("opened").size(), 0, "the timed-out wait disconnected")
	var pending = Async.task([node, "opened"])
	yield(frames(1), "completed")
	check_eq(node.get_signal_connection_list("opened").size(), 1, "connected while waited on")
	pending.cancel()
	check_eq(node.get_signal_connection_list("opened").size(), 0, "a cancelled wait disconnects")
	node.queue_free()


func test_a_pair_whose_object_is_freed_resolves_with_freed():
	expect_log("signal: freed: the object was freed before it emitted `opened`")
	var node = Node.new()
	node.add_user_signal("opened")
	var task = Async.any([[node, "opened"], Async.sleep(5.0)])
	yield(frames(2), "completed")
	node.free()
	var r = yield(task, "completed")
	check(
		r is Dictionary and r.get("index") == 0 and is_async_error(r.get("value"), "freed"),
		"freed: %s" % str(r)
	)


func test_bad_pairs():
	expect_log(
		'task: bad_arguments: argument 1 `awaitable`: expected [object, "signal"], got int first'
	)
	expect_log(
		(
			"task: bad_arguments: argument 1 `awaitable`: expected [object, "
			+ '"signal"], got an Array of 1 item(s)'
		)
	)
	expect_log(
		'task: bad_arguments: argument 1 `awaitable`: expected [object, "signal"], got int second'
	)
	expect_log("task: bad_arguments: argument 1 `awaitable`: Node has no signal `nope`")
	expect_log(
		(
			"all: bad_arguments: argument 1 `awaitables`: item 0: not awaitable: "
			+ 'Node has no signal `completed` (for another signal pass [object, "signal"])'
		)
	)
	var node = Node.new()
	add_child(node)
	for task in [
		Async.task([1, "x"]),
		Async.task([node]),
		Async.task([node, 3]),
		Async.task([node, "nope"]),
		Async.all([node])
	]:
		var r = yield(task, "completed")
		check(is_async_error(r, "bad_arguments"), "bad pair: %s" % str(r))
	node.queue_free()
