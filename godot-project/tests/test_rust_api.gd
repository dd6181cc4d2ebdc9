# The crate's Rust API as a game crate uses it (issue 29): a stream fed
# faster than the game never holds a frame, a service survives a panicking
# handler, the background runtime shuts down from code the pump runs and
# cancels running blocking work, and a full queue stays quiet through
# guard_result (the harness fails on any undeclared ERROR line).
extends "res://tests/test_case.gd"

const RustApi = preload("res://testbed/rust_api.gdns")

var api = RustApi.new()
var demo = AsyncDemo.new()
# What the flood's `item` handler saw.
var flood = {}


func _on_flood_item(value):
	var now = OS.get_ticks_usec()
	var frame = Engine.get_idle_frames()
	if frame != flood.frame:
		flood.frame = frame
		flood.first_us = now
		flood.spans.append(0)
	flood.spans[-1] = now - flood.first_us
	if value != flood.next:
		flood.out_of_order += 1
	flood.next = value + 1
	flood.count += 1


# Streams a producer that sends as fast as it can for `seconds`; returns
# the longest frame, and the median and the longest of the time from a
# frame's first item to its last (us).
func _flood(seconds):
	flood = {"frame": -1, "first_us": 0, "spans": [], "next": 0, "out_of_order": 0, "count": 0}
	var stream = api.flood_stream(seconds, 0)
	stream.connect("item", self, "_on_flood_item")
	var longest_frame = 0
	var last = OS.get_ticks_usec()
	var started = last
	while not stream.is_finished() and last - started < 15000000:
		yield(get_tree(), "idle_frame")
		var now = OS.get_ticks_usec()
		longest_frame = max(longest_frame, now - last)
		last = now
	check(stream.is_finished(), "the flood finished")
	check(flood.count > 1000, "items arrived: %d" % flood.count)
	check_eq(flood.out_of_order, 0, "items in order")
	check_eq(flood.next, flood.count, "no item lost (the last is %d)" % (flood.next - 1))
	check_eq(stream.item_count(), flood.count, "item_count")
	var spans = flood.spans
	spans.sort()
	if spans.empty():
		spans = [0]
	return [longest_frame, spans[int(spans.size() * 0.5)], spans[-1]]


func test_a_producer_faster_than_the_game_never_holds_a_frame():
	var previous_fps = Engine.target_fps
	Engine.target_fps = 60
	var r = yield(_flood(0.5), "completed")
	_check_flood("no budget", r)
	var driver = main_driver()
	var previous_budget = driver.frame_budget_ms
	driver.frame_budget_ms = 2
	r = yield(_flood(0.5), "completed")
	driver.frame_budget_ms = previous_budget
	Engine.target_fps = previous_fps
	_check_flood("budget 2 ms", r)


# The stream takes at most 1 ms (or the budget) per frame. Wall-clock
# spans include the time the OS paused the main thread, which on a loaded
# machine (CI runs scenes side by side on 2 cores) stretches one frame in
# ten past 4 ms: the bounds are on the median and on the longest, loose
# enough for that, and the defect they guard (the stream held every frame
# for 140-250 ms) fails both.
func _check_flood(label, r):
	print(
		(
			"flood, %s: longest frame %d us; items within a frame: median %d us, longest %d us; %d items"
			% [label, r[0], r[1], r[2], flood.count]
		)
	)
	check(r[1] < 4000, "%s: items within a frame spanned %d us (median)" % [label, r[1]])
	check(r[2] < 100000, "%s: items within a frame spanned %d us (longest)" % [label, r[2]])
	check(r[0] < 100000, "%s: the longest frame took %d us" % [label, r[0]])


func test_a_panicking_service_handler_fails_that_request_and_the_service_goes_on():
	var svc = api.picky_service()
	expect_log('panic: the handler refuses "body"')
	var r = yield(Async.task(svc.request("body")), "completed")
	check(
		is_async_error(r, "panic") and 'the handler refuses "body"' in r.message,
		"a panic in the handler's body: %s" % str(r)
	)
	expect_log('panic: the handler\'s future refuses "future"')
	r = yield(Async.task(svc.request("future")), "completed")
	check(
		is_async_error(r, "panic") and 'the handler\'s future refuses "future"' in r.message,
		"a panic in the handler's future: %s" % str(r)
	)
	check_eq(yield(Async.task(svc.request("next")), "completed"), "next", "the service goes on")
	check_eq(yield(Async.task(svc.try_request("then")), "completed"), "then", "try_request too")


func test_a_full_queue_stays_quiet_through_guard_result():
	var r = yield(api.busy_request(), "completed")
	check(is_async_error(r, "failed") and "busy" in r.message, "busy: %s" % str(r))
	check(is_async_error(r) and r.method == "busy_request", "named after the method: %s" % str(r))


func test_shutdown_from_a_resumed_coroutine_cancels_a_running_blocking_job():
	var job = api.blocking_job(1.5)
	yield(frames(5), "completed")
	# Resumed by the pump: a Rust future completed.
	yield(demo.ready(1), "completed")
	var t0 = OS.get_ticks_msec()
	api.shutdown_background()
	var r = yield(Async.task(job), "completed")
	var waited = OS.get_ticks_msec() - t0
	check(is_async_error(r, "cancelled"), "the running blocking job: %s" % str(r))
	check(waited < 1000, "resolved promptly, not when the job ended: %d ms" % waited)
	check_eq(
		yield(Async.task(api.blocking_job(0.0)), "completed"), "done", "a fresh runtime after it"
	)


func test_shutdown_from_inside_a_task():
	check_eq(
		yield(api.shutdown_in_task(), "completed"), true, "shut down and started again in a task"
	)
