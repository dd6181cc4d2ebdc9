# Waits whose object goes away, or changes, while they are in flight:
# cancelling inside the emission that ended a wait, coroutines whose node is
# freed, timers that already fired, duplicated and saved nodes.
extends "res://tests/test_case.gd"

var demo = AsyncDemo.new()

signal ping(a)


# A node running coroutines that wait on its own signals, as a level's
# scripts wait on its timers and doors: freeing the node ends them without
# Godot resuming them (no "class instance is gone" error).
class Level:
	extends Node

	signal step
	signal never

	# One yield: waits until the node emits `never`.
	func waiting():
		yield(self, "never")
		return "never"

	# Two yields: the caller's state is replaced by a second one after
	# `step`, which then waits on `never`.
	func two_steps():
		yield(self, "step")
		yield(self, "never")
		return "never"


# Starts waiting on `awaitable` with `combinator` ("task", "all", "any",
# "timeout"); returns the task.
func wait_with(combinator, awaitable):
	match combinator:
		"task":
			return Async.task(awaitable)
		"all":
			return Async.all([awaitable])
		"any":
			return Async.any([awaitable])
		_:
			return Async.timeout(awaitable, 5.0)


# The AsyncError in a combinator's result (`all` wraps it in nothing: it
# fails fast; `any` in its Dictionary).
func error_of(result):
	if result is Dictionary:
		return result.get("value")
	return result


# --- 1: cancelling inside the emission that ended the wait -----------------

# The issue's repro: the guard's own wait on `st` is connected to the
# `completed` that resumes this coroutine; cancelling the guard drops that
# wait while Godot is still emitting `completed`. Before the fix Godot read
# the freed connection object (valgrind: invalid read) and printed
# "Disconnecting nonexistent signal".
func test_cancelling_a_guard_inside_the_emission_that_ended_it():
	for combinator in ["timeout", "task", "all", "any"]:
		for _round in range(3):
			var st = demo.delay(0.005)
			var g = wait_with(combinator, st)
			var v = yield(st, "completed")
			g.cancel()
			check(typeof(v) == TYPE_REAL and v >= 0.005, "%s: the value: %s" % [combinator, str(v)])
			check(g.is_cancelled() or g.is_done(), "%s: the guard ended" % combinator)
	# The same for a signal wait: `Async.signal` and a pair, cancelled in
	# the emission they were waiting for.
	for kind in ["signal", "pair"]:
		var g = Async.signal(self, "ping") if kind == "signal" else Async.task([self, "ping"])
		call_deferred("emit_signal", "ping", 1)
		var args = yield(self, "ping")
		g.cancel()
		check_eq(args, 1, kind + ": the argument")
		yield(frames(1), "completed")
		check_eq(get_signal_connection_list("ping").size(), 0, kind + ": the wait disconnected")


# --- 3: coroutines whose node is freed -------------------------------------

func test_waits_on_a_coroutine_whose_node_is_freed_resolve_with_freed():
	expect_log("the object running this coroutine was freed")
	# A state held by the script, at its first yield.
	var held = Level.new()
	add_child(held)
	var st = held.waiting()
	var held_box = watch(Async.task(st))
	yield(frames(2), "completed")
	held.free()
	if check(yield(wait_box(held_box, 10), "completed"), "held state: resolved"):
		check(is_async_error(held_box.value, "freed"), "held state: freed, got %s" % str(held_box.value))
	for combinator in ["task", "all", "any", "timeout"]:
		for shape in ["one yield", "two yields"]:
			var level = Level.new()
			add_child(level)
			# The state is not kept in a variable: a held state of a coroutine
			# that resumed once cannot tell its node's freeing (see
			# src/script/awaitable.rs).
			var box = watch(wait_with(combinator, level.waiting() if shape == "one yield" else level.two_steps()))
			yield(frames(2), "completed")
			if shape == "two yields":
				# The caller's state resumed once; a second state waits.
				level.emit_signal("step")
				yield(frames(2), "completed")
			check(not box.done, "%s (%s): pending while the node lives" % [combinator, shape])
			level.free()
			var done = yield(wait_box(box, 30), "completed")
			var what = "%s (%s)" % [combinator, shape]
			if check(done, what + ": resolved within 30 frames of the free"):
				check(is_async_error(error_of(box.value), "freed"), what + ": freed, got %s" % str(box.value))


func test_a_coroutine_on_a_live_node_still_completes():
	var level = Level.new()
	add_child(level)
	var box = watch(Async.all([level.two_steps()]))
	yield(frames(3), "completed")
	level.emit_signal("step")
	yield(frames(3), "completed")
	check(not box.done, "pending until `never`")
	level.emit_signal("never")
	check(yield(wait_box(box, 10), "completed"), "resolved")
	check(box.value is Array and box.value == ["never"], "the value: %s" % str(box.value))
	level.free()


# --- 4: a SceneTreeTimer that already fired --------------------------------

func test_an_expired_timer_resolves_at_once():
	var timer = get_tree().create_timer(0.0)
	yield(timer, "timeout")
	yield(frames(1), "completed")
	check(timer.time_left < 0, "the timer expired: time_left %s" % timer.time_left)
	for combinator in ["task", "all", "any"]:
		var box = watch(wait_with(combinator, timer))
		var done = yield(wait_box(box, 5), "completed")
		if check(done, combinator + ": resolved within 5 frames"):
			var want = {"task": null, "all": [null], "any": {"index": 0, "value": null}}[combinator]
			check_eq(str(box.value), str(want), combinator + ": the value")
	# A timer of 0 s that has not fired yet still waits for its `timeout`.
	var zero = get_tree().create_timer(0.0)
	check_eq(yield(Async.task(zero), "completed"), null, "a 0 s timer resolves when it fires")


# --- 5: duplicated and saved nodes -----------------------------------------

func test_a_duplicate_does_not_take_the_free_watch():
	expect_log("signal: freed: the object was freed before it emitted `renamed`")
	for kind in ["signal", "task", "any"]:
		var node = Node.new()
		add_child(node)
		var wait
		match kind:
			"signal":
				wait = Async.signal(node, "renamed")
			"task":
				wait = Async.task([node, "renamed"])
			_:
				wait = Async.any([[node, "renamed"]])
		var box = watch(wait)
		var copy = node.duplicate()
		add_child(copy)
		check(copy.get_meta_list().empty(), kind + ": the copy has no metadata: %s" % str(copy.get_meta_list()))
		check_eq(copy.get_signal_connection_list("renamed").size(), 0, kind + ": the copy is not waited on")
		check(node.get_meta_list().empty(), kind + ": the original has no metadata: %s" % str(node.get_meta_list()))
		node.free()
		var done = yield(wait_box(box, 10), "completed")
		if check(done, kind + ": resolved within 10 frames of the original's free"):
			check(is_async_error(error_of(box.value), "freed"), kind + ": freed, got %s" % str(box.value))
		copy.free()


func test_a_node_with_pending_waits_saves_without_crate_data():
	var path = OS.get_user_data_dir() + "/test_wait_lifetimes_%d.tscn" % OS.get_unix_time()
	var root = Node.new()
	root.name = "Saved"
	var child = Node2D.new()
	child.name = "Child"
	root.add_child(child)
	child.owner = root
	add_child(root)
	var waits = [Async.signal(root, "renamed"), Async.task([child, "visibility_changed"]),
		Async.any([[root, "ready"], [child, "draw"]])]
	var packed = PackedScene.new()
	check_eq(packed.pack(root), OK, "packed")
	check_eq(ResourceSaver.save(path, packed), OK, "saved")
	var file = File.new()
	check_eq(file.open(path, File.READ), OK, "opened the .tscn")
	var text = file.get_as_text()
	file.close()
	for word in ["gdnative", "tokio", "__meta__", "Object(", "SignalBridge", "FreeSentry"]:
		check(not word in text, "the .tscn holds no `%s`:\n%s" % [word, text])
	# The saved scene loads and instances as a plain copy, not waited on.
	var copy = load(path).instance()
	check(copy.get_meta_list().empty(), "the loaded copy has no metadata")
	check_eq(copy.get_signal_connection_list("renamed").size(), 0, "the loaded copy is not waited on")
	copy.free()
	for w in waits:
		w.cancel()
	root.free()
	Directory.new().remove(path)
