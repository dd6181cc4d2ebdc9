# Rust meets GDScript both ways (issue 26): Rust awaits a script's
# coroutine (`call`) and any awaitable (`wait`); tasks owned by a node are
# cancelled, their Rust future dropped in the frame the node is freed; a
# Send handle lets other threads run closures, spawn tasks and emit
# signals on the main thread, in order, within two frames.
extends "res://tests/test_case.gd"

signal pinged(value)

const BothWays = preload("res://testbed/both_ways.gdns")

var both = BothWays.new()


class Worker:
	extends Node

	# Never emitted: freeing the worker ends the coroutine quietly (a timer
	# would resume it after the worker is gone, which the engine reports).
	signal never

	func slow():
		yield(self, "never")
		return "late"


func coroutine_sum(a, b):
	yield(get_tree(), "idle_frame")
	yield(Async.frames(1), "completed")
	return a + b


func plain_double(x):
	return x * 2


func returns_error():
	yield(get_tree(), "idle_frame")
	return Async.sleep("nope").result


func test_rust_awaits_a_gdscript_coroutines_final_value():
	var r = yield(both.await_call(self, "coroutine_sum", [2, 3]), "completed")
	check_eq(r, 5, "the coroutine's return value")
	r = yield(both.await_call(self, "plain_double", [21]), "completed")
	check_eq(r, 42, "a plain method's return value")


func test_call_errors():
	expect_log("call: bad_arguments: Node has no method `no_such_method`")
	var r = yield(both.await_call(self, "no_such_method", []), "completed")
	check(is_async_error(r, "bad_arguments"), "no such method: %s" % str(r))
	expect_log("sleep: bad_arguments")
	r = yield(both.await_call(self, "returns_error", []), "completed")
	check(is_async_error(r, "bad_arguments"), "an AsyncError returned is an error: %s" % str(r))
	# The object running the coroutine freed before it finished.
	expect_log("wait: freed: the object running this coroutine was freed")
	var worker = Worker.new()
	add_child(worker)
	var state = both.await_call(worker, "slow", [])
	yield(frames(2), "completed")
	worker.free()
	r = yield(state, "completed")
	check(is_async_error(r, "freed"), "freed before it finished: %s" % str(r))


func test_rust_waits_on_any_awaitable():
	var r = yield(both.await_value(Async.frames(2)), "completed")
	check_eq(r, 2, "an AsyncTask")
	r = yield(both.await_value(get_tree().create_timer(0.05)), "completed")
	check_eq(r, null, "a SceneTreeTimer")
	var coroutine = coroutine_sum(1, 1)
	r = yield(both.await_value(coroutine), "completed")
	check_eq(r, 2, "a coroutine's state")
	var pending = both.await_value([self, "pinged"])
	emit_signal("pinged", 9)
	r = yield(pending, "completed")
	check_eq(r, [9], "an [object, signal] pair")
	expect_log("wait: bad_arguments: the awaited value: expected an awaitable")
	r = yield(both.await_value(3), "completed")
	check(is_async_error(r, "bad_arguments"), "not awaitable: %s" % str(r))


func test_a_node_owned_rust_task_is_dropped_when_the_node_is_freed():
	var node = Node.new()
	add_child(node)
	both.owned_loop(node)
	yield(frames(2), "completed")
	var drops = both.drops()
	check_eq(both.outcome(), "", "running while the node lives")
	node.free()
	check_eq(both.drops(), drops + 1, "the future was dropped inside free()")
	yield(frames(1), "completed")
	check_eq(both.outcome(), "cancelled", "its handle resolves cancelled")


func test_queue_free_drops_the_owned_task_in_that_frame():
	var node = Node.new()
	add_child(node)
	both.owned_loop(node)
	var task = both.owned_task(node)
	yield(frames(2), "completed")
	var drops = both.drops()
	var frame = Engine.get_idle_frames()
	node.queue_free()
	var r = yield(task, "completed")
	check_eq(both.drops(), drops + 2, "both futures dropped")
	check_eq(both.drop_frame(), frame, "in the frame of the queue_free")
	check(is_async_error(r, "cancelled"), "the task's yield resolves cancelled: %s" % str(r))
	check(task.is_cancelled(), "the task is cancelled")
	yield(frames(1), "completed")
	check_eq(both.outcome(), "cancelled", "the Rust handle resolves cancelled")


func test_leaving_the_tree_without_freeing_keeps_the_task():
	var node = Node.new()
	add_child(node)
	var task = both.owned_task(node)
	yield(frames(1), "completed")
	remove_child(node)
	yield(frames(2), "completed")
	check(not task.is_done(), "removed, not freed: still running")
	add_child(node)
	node.queue_free()
	var r = yield(task, "completed")
	check(is_async_error(r, "cancelled"), "freed later: cancelled")


func test_async_owned_cancels_its_task_with_the_node():
	var node = Node.new()
	add_child(node)
	var inner = both.endless_task()
	var task = Async.owned(node, inner)
	yield(frames(2), "completed")
	var drops = both.drops()
	node.free()
	check(inner.is_cancelled(), "the owned AsyncTask is cancelled at once")
	check_eq(both.drops(), drops + 1, "its Rust future dropped inside free()")
	var r = yield(task, "completed")
	check(is_async_error(r, "cancelled"), "Async.owned resolves cancelled: %s" % str(r))
	check(task.is_cancelled(), "the owned task is cancelled")


func test_an_owned_task_that_ends_first_lets_go_of_the_node():
	var node = Node.new()
	add_child(node)
	var before = node.get_signal_connection_list("script_changed").size()
	var r = yield(Async.owned(node, Async.frames(1)), "completed")
	check_eq(r, 1, "the value")
	both.owned_quick(node)
	yield(frames(3), "completed")
	check_eq(both.outcome(), "finished", "the Rust task finished")
	check_eq(
		node.get_signal_connection_list("script_changed").size(),
		before,
		"the watches were disconnected"
	)
	node.free()


func test_async_owned_refuses_bad_arguments():
	expect_log("owned: bad_arguments: argument 1 `node`: expected a Node")
	var r = yield(Async.owned(3, Async.frames(1)), "completed")
	check(is_async_error(r, "bad_arguments"), "not a node: %s" % str(r))
	expect_log("owned: bad_arguments: argument 1 `node`: expected a Node")
	r = yield(Async.owned(Reference.new(), Async.frames(1)), "completed")
	check(is_async_error(r, "bad_arguments"), "a Reference: %s" % str(r))
	expect_log("owned: bad_arguments: argument 2 `awaitable`")
	r = yield(Async.owned(self, 3), "completed")
	check(is_async_error(r, "bad_arguments"), "not awaitable: %s" % str(r))
	var node = Node.new()
	node.free()
	expect_log("owned: freed: argument 1 `node`")
	r = yield(Async.owned(node, Async.frames(1)), "completed")
	check(is_async_error(r, "freed"), "a freed node: %s" % str(r))
	expect_log("owned: bad_arguments: expected 2 argument(s), got 1")
	r = yield(Async.owned(self), "completed")
	check(is_async_error(r, "bad_arguments"), "one argument: %s" % str(r))


func test_10000_closures_from_a_thread_run_in_order_within_two_frames():
	var r = yield(both.post_burst(10000), "completed")
	check_eq(r.count, 10000, "all ran")
	check(r.in_order, "in order")
	check(r.on_main, "on the main thread")
	check(r.frames >= 1 and r.frames <= 2, "within two frames: %d" % r.frames)
	print("post_burst(10000): %d frame(s), %.2f ms" % [r.frames, r.ms])


func test_emit_signal_from_a_thread_by_instance_id():
	var pending = Async.signal(self, "pinged")
	check(both.emit_from_thread(get_instance_id(), "pinged", 7), "posted")
	var r = yield(pending, "completed")
	check_eq(r, [7], "the signal's arguments")
	var node = Node.new()
	var id = node.get_instance_id()
	node.free()
	expect_log("no live object has instance id %d" % id)
	check(both.emit_from_thread(id, "pinged", 1), "posting to a dead id is accepted")
	expect_log("has no signal `no_such_signal`")
	check(both.emit_from_thread(get_instance_id(), "no_such_signal", 1), "posted")
	yield(frames(2), "completed")


func test_a_panicking_posted_closure_does_not_stop_the_next():
	expect_log("a closure posted through MainThread panicked: posted panic")
	var drops = both.drops()
	check(both.post_panic_then_count(), "posted")
	yield(frames(2), "completed")
	check_eq(both.drops(), drops + 1, "the closure after the panic ran")
