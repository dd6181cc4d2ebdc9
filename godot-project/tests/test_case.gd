# Base class of every GDScript test suite. A suite is a Node added under the
# runner; its `test_*` methods may `yield`.
extends Node

const AsyncDemo = preload("res://testbed/async_demo.gdns")

const AsyncExecutorDriver = preload("res://addons/gdnative_tokio/async_executor_driver.gdns")

var failures = []

var _detached_main = null


func check(condition, message):
	if not condition:
		failures.append(message)
	return condition


func check_eq(actual, expected, message):
	return check(
		typeof(actual) == typeof(expected) and actual == expected,
		"%s: expected %s, got %s" % [message, str(expected), str(actual)]
	)


func is_async_error(value, kind = ""):
	return value is Object and value.has_method("is_error") and (kind == "" or value.kind == kind)


# Declares that the engine output of this test contains an error (or
# warning) line with `text`; the Rust harness fails on any error line that
# was not declared.
func expect_log(text):
	print("EXPECT-LOG: " + text)


func frames(n):
	for _i in range(n):
		yield(get_tree(), "idle_frame")


# The driver the runner scene pumps with.
func main_driver():
	return get_tree().root.get_node("Runner/AsyncExecutorDriver")


# Takes the runner's driver out of the tree and switches the `Async`
# autoload's own pumping off (tasks stop running) until
# `reattach_main_driver()`.
func detach_main_driver():
	Async.auto_pump = false
	_detached_main = main_driver()
	_detached_main.get_parent().remove_child(_detached_main)


func reattach_main_driver():
	get_tree().root.get_node("Runner").add_child(_detached_main)
	_detached_main = null
	Async.auto_pump = true


# Adds a fresh driver under this suite and returns it.
func add_driver():
	var driver = AsyncExecutorDriver.new()
	add_child(driver)
	return driver


# Starts watching `state`; returns a box whose `done` and `value` fields
# are set when it completes. Pass the box to `until_done`.
func watch(state):
	var box = {"done": false, "value": null}
	state.connect("completed", self, "_on_completed", [box])
	return box


# Waits until the watched state completed or `max_frames` passed; returns
# whether it completed.
func until_done(box, max_frames):
	for _i in range(max_frames):
		if box.done:
			break
		yield(get_tree(), "idle_frame")
	return box.done


# Like `until_done`, but always yields at least once, so that callers can
# always `yield(wait_box(box, n), "completed")`.
func wait_box(box, max_frames):
	yield(get_tree(), "idle_frame")
	for _i in range(max_frames):
		if box.done:
			break
		yield(get_tree(), "idle_frame")
	return box.done


func _on_completed(value, box):
	box.done = true
	box.value = value


# `n` zero bytes (at least 1), quickly (PoolByteArray.resize leaves the
# new bytes uninitialised, which valgrind reports once they are sent).
func zero_bytes(n):
	var bytes = PoolByteArray([0])
	while bytes.size() * 2 <= n:
		bytes.append_array(bytes)
	if bytes.size() < n:
		bytes.append_array(bytes.subarray(0, n - bytes.size() - 1))
	return bytes
