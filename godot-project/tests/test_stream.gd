# Rust streams and channels as signals.
extends "res://tests/test_case.gd"

var demo = AsyncDemo.new()

var items = []

var lagged = 0


func _on_item(value):
	items.append(value)


func _on_lagged(skipped):
	lagged += skipped


func _listen(stream):
	items = []
	lagged = 0
	stream.connect("item", self, "_on_item")
	stream.connect("lagged", self, "_on_lagged")
	return stream


func test_a_stream_emits_each_item_then_finished():
	var ticks = _listen(demo.ticker(3, 0.01))
	yield(ticks, "finished")
	check_eq(items, [0, 1, 2], "items in order")
	check_eq(ticks.item_count(), 3, "item count")
	check(ticks.is_finished(), "finished")


func test_closing_a_stream_stops_it():
	var ticks = _listen(demo.ticker(1000, 0.0))
	yield(frames(4), "completed")
	ticks.close()
	var seen = items.size()
	check(ticks.is_finished(), "finished after close")
	yield(frames(5), "completed")
	check_eq(items.size(), seen, "no item after close")


func test_a_background_job_reports_progress_while_frames_keep_coming():
	var f0 = Engine.get_idle_frames()
	var job = _listen(demo.hash_job(8))
	yield(job, "finished")
	var frames = Engine.get_idle_frames() - f0
	check(items.size() == 65, "64 progress steps and a checksum: %d items" % items.size())
	var last = items[-1] if items.size() > 0 else null
	check(typeof(last) == TYPE_STRING and last.length() == 16, "checksum: %s" % str(last))
	check(items.size() > 1 and items[-2] == 1.0, "progress reached 1.0")
	check(frames >= 2, "frames kept coming: %d" % frames)


func test_broadcast_lag_and_watch_latest_value():
	var b = _listen(demo.channel_stream("broadcast", 10))
	yield(b, "finished")
	check_eq(items, [6, 7, 8, 9], "a lagging broadcast receiver keeps the newest 4")
	check_eq(lagged, 6, "and reports the 6 it lost")
	var w = _listen(demo.channel_stream("watch", 10))
	yield(w, "finished")
	check_eq(items, [9], "a watch receiver sees the latest value")


func test_bad_arguments():
	expect_log("argument 1 `count`: must be in 0..=1000000, got -1")
	check(is_async_error(demo.ticker(-1, 0.1), "bad_arguments"), "negative count")
	expect_log("argument 2 `interval`: must be finite, got")
	check(is_async_error(demo.ticker(1, INF), "bad_arguments"), "infinite interval")
	expect_log("argument 1 `megabytes`: ")
	check(is_async_error(demo.hash_job("big"), "bad_arguments"), "not a number")
	check(is_async_error(demo.hash_job(5000), "bad_arguments"), "too big")
	expect_log('expected "broadcast" or "watch"')
	check(is_async_error(demo.channel_stream("mpsc", 1), "bad_arguments"), "unknown kind")
