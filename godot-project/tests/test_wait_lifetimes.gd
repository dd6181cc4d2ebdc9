# Waits whose object goes away, or changes, while they are in flight:
# cancelling inside the emission that ended a wait, coroutines whose node is
# freed, timers that already fired, duplicated and saved nodes.
extends "res://tests/test_case.gd"

signal ping(a)

const KINDS = [
	"coroutine",
	"two_steps",
	"door",
	"pair",
	"signal",
	"timer",
	"expired_timer",
	"rust_state",
	"task",
	"emitter"
]

const COMBINATORS = ["task", "all", "any", "timeout", "all_with_sleep", "any_with_sleep"]

const ACTIONS = [
	"free",
	"queue_free",
	"emit",
	"cancel",
	"cancel_in_emission",
	"duplicate_free_original",
	"duplicate_free_copy",
	"remove_from_tree",
	"pack",
	"pause",
	"nothing"
]

const SCENARIOS_PER_ROUND = 12

const SETTLE_FRAMES = 20

var demo = AsyncDemo.new()

var rng = RandomNumberGenerator.new()

var hunt_failures = []

var expired = []

var scenarios_ended = 0

var running = {}  # scenario number -> key, while it runs

var next_scenario = 0


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
# "timeout" with `seconds`, "all_with_sleep", "any_with_sleep"); returns the
# task.
func wait_with(combinator, awaitable, seconds = 5.0):
	match combinator:
		"task":
			return Async.task(awaitable)
		"all":
			return Async.all([awaitable])
		"any":
			return Async.any([awaitable])
		"all_with_sleep":
			return Async.all([awaitable, Async.sleep(0.01)])
		"any_with_sleep":
			return Async.any([awaitable, Async.sleep(seconds)])
		_:
			return Async.timeout(awaitable, seconds)


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
func test_a_late_call_of_a_waits_connection_object_keeps_nothing_alive():
	# The wait's internal connection target, reachable through the
	# connection list, called after its wait ended with itself as the
	# argument (as the fuzz does): it must store nothing, or it holds
	# itself and leaks past the game's exit.
	var emitter = Node.new()
	add_child(emitter)
	emitter.add_user_signal("ping")
	var task = Async.signal(emitter, "ping")
	var bridge = _connection_target(emitter, "ping")
	check(bridge != null, "the wait is connected")
	emitter.emit_signal("ping")
	yield(task, "completed")
	if bridge != null:
		bridge.call("_on_signal", bridge)
	var gone = weakref(bridge)
	bridge = null
	yield(frames(2), "completed")
	check(gone.get_ref() == null, "the connection object was freed")
	emitter.free()


# (A function of its own: a loop variable would hold the target until the
# test returns.)
func _connection_target(source, signal_name):
	for connection in source.get_signal_connection_list(signal_name):
		return connection.target
	return null


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


# A Reference that emits `completed` from a timer's `timeout`: while it
# emits, nothing but the wait on it may hold it.
class SelfFiring:
	extends Reference

	signal completed(value)

	func start(timer):
		timer.connect("timeout", self, "_fire")

	func _fire():
		emit_signal("completed", 3)


func _cancel_bound(_value, wait):
	wait.cancel()


# The wait holds the Reference it waits on; cancelling the wait inside that
# Reference's emission must not free it under Godot's emit loop (Godot:
# "freed or unreferenced while a signal is being emitted", then reads it).
func test_a_reference_held_only_by_the_wait_outlives_a_cancel_in_its_emission():
	for combinator in ["task", "all", "any", "timeout"]:
		var emitter = SelfFiring.new()
		var id = emitter.get_instance_id()
		emitter.start(get_tree().create_timer(0.01))
		var w = wait_with(combinator, emitter)
		emitter.connect("completed", self, "_cancel_bound", [w])
		emitter = null
		var ended = false
		for _i in range(60):
			yield(get_tree(), "idle_frame")
			if w.is_cancelled() or w.is_done():
				ended = true
				break
		check(ended, combinator + ": the wait ended")
		yield(frames(2), "completed")
		check(
			instance_from_id(id) == null,
			combinator + ": the Reference was released after the emission"
		)


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
		check(
			is_async_error(held_box.value, "freed"),
			"held state: freed, got %s" % str(held_box.value)
		)
	for combinator in ["task", "all", "any", "timeout"]:
		for shape in ["one yield", "two yields"]:
			var level = Level.new()
			add_child(level)
			# The state is not kept in a variable: a held state of a coroutine
			# that resumed once cannot tell its node's freeing (see
			# src/script/awaitable.rs).
			var box = watch(
				wait_with(
					combinator, level.waiting() if shape == "one yield" else level.two_steps()
				)
			)
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
				check(
					is_async_error(error_of(box.value), "freed"),
					what + ": freed, got %s" % str(box.value)
				)


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
		check(
			copy.get_meta_list().empty(),
			kind + ": the copy has no metadata: %s" % str(copy.get_meta_list())
		)
		check_eq(
			copy.get_signal_connection_list("renamed").size(),
			0,
			kind + ": the copy is not waited on"
		)
		check(
			node.get_meta_list().empty(),
			kind + ": the original has no metadata: %s" % str(node.get_meta_list())
		)
		node.free()
		var done = yield(wait_box(box, 10), "completed")
		if check(done, kind + ": resolved within 10 frames of the original's free"):
			check(
				is_async_error(error_of(box.value), "freed"),
				kind + ": freed, got %s" % str(box.value)
			)
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
	var waits = [
		Async.signal(root, "renamed"),
		Async.task([child, "visibility_changed"]),
		Async.any([[root, "ready"], [child, "draw"]])
	]
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
	check_eq(
		copy.get_signal_connection_list("renamed").size(), 0, "the loaded copy is not waited on"
	)
	copy.free()
	for w in waits:
		w.cancel()
	root.free()
	Directory.new().remove(path)


# --- the hunt, randomized: every awaitable kind and combinator, with the
# object freed, queued for freeing, duplicated, packed, taken out of the
# tree, the tree paused, the wait cancelled (also inside the emission that
# ends it) at random frames. Every wait must resolve within a few frames of
# its last event with a value or an AsyncError of kind freed, cancelled or
# timeout, and nothing of the crate may show on the objects. The seed is
# printed; LIFETIME_SEED=n replays a run, LIFETIME_ROUNDS=n runs longer.


# A node with a `completed` signal and another one, as a door or a level
# script that scripts wait on.
class Door:
	extends Node

	signal completed(value)
	signal opened(value)


# A Reference with a `completed` signal.
class Emitter:
	extends Reference

	signal completed(value)


func test_random_lifetimes_of_waits():
	expect_log(": freed: ")
	var seed_text = OS.get_environment("LIFETIME_SEED")
	rng.seed = int(seed_text) if seed_text != "" else OS.get_unix_time()
	var rounds = (
		int(OS.get_environment("LIFETIME_ROUNDS"))
		if OS.get_environment("LIFETIME_ROUNDS") != ""
		else 20
	)
	print("lifetime hunt seed: %d (replay with LIFETIME_SEED=%d)" % [rng.seed, rng.seed])
	# One freed wait for sure (the declared log line must appear).
	var door = Door.new()
	add_child(door)
	var sure = watch(Async.task(door))
	door.free()
	yield(wait_box(sure, 5), "completed")
	for _i in range(4):
		var timer = get_tree().create_timer(0.0)
		yield(timer, "timeout")
		expired.append(timer)
	var tally = {}
	for round_number in range(rounds):
		scenarios_ended = 0
		for _s in range(SCENARIOS_PER_ROUND):
			var plan = _plan()
			var key = "%s/%s/%s" % [plan.kind, plan.combinator, str(plan.actions)]
			tally[plan.kind] = tally.get(plan.kind, 0) + 1
			_scenario(plan, key)
		for _f in range(400):
			if scenarios_ended == SCENARIOS_PER_ROUND:
				break
			yield(get_tree(), "idle_frame")
		check(
			running.empty(),
			"round %d: scenarios that did not end: %s" % [round_number, str(running.values())]
		)
		running.clear()
		get_tree().paused = false
	print(
		(
			"lifetime hunt: %d scenarios %s, %d problems"
			% [rounds * SCENARIOS_PER_ROUND, str(tally), hunt_failures.size()]
		)
	)
	for f in hunt_failures.slice(0, 9):
		check(false, f)


func _plan():
	var actions = []
	for _i in range(rng.randi_range(1, 3)):
		actions.append([ACTIONS[rng.randi_range(0, ACTIONS.size() - 1)], rng.randi_range(0, 4)])
	return {
		"kind": KINDS[rng.randi_range(0, KINDS.size() - 1)],
		"combinator": COMBINATORS[rng.randi_range(0, COMBINATORS.size() - 1)],
		"seconds": rng.randf_range(0.02, 2.0),
		"actions": actions,
	}


# Makes the subject and its awaitable: [node or null, emitter or null,
# awaitable, signal to emit].
func _subject(kind):
	match kind:
		"coroutine", "two_steps":
			var level = Level.new()
			add_child(level)
			return [
				level, level, level.waiting() if kind == "coroutine" else level.two_steps(), "never"
			]
		"door":
			var door = Door.new()
			add_child(door)
			return [door, door, door, "completed"]
		"pair", "signal":
			var door = Door.new()
			add_child(door)
			return [door, door, [door, "opened"], "opened"]
		"timer":
			var timer = get_tree().create_timer(rng.randf_range(0.0, 0.05))
			return [null, timer, timer, "timeout"]
		"expired_timer":
			var timer = expired[rng.randi_range(0, expired.size() - 1)]
			return [null, null, timer, ""]
		"rust_state":
			var st = demo.delay(rng.randf_range(0.0, 0.03))
			return [null, st, st, "completed"]
		"task":
			return [null, null, Async.sleep(rng.randf_range(0.0, 0.03)), ""]
		_:
			var emitter = Emitter.new()
			return [null, emitter, emitter, "completed"]


func _wait_on(plan, awaitable):
	if plan.kind == "signal":
		return Async.signal(awaitable[0], awaitable[1], plan.seconds)
	return wait_with(plan.combinator, awaitable, plan.seconds)


func _scenario(plan, key):
	next_scenario += 1
	var number = next_scenario
	running[number] = key
	var made = _subject(plan.kind)
	var node = made[0]
	var emitter = made[1]
	var signal_name = made[3]
	var copy = null
	var wait = _wait_on(plan, made[2])
	var box = watch(wait)
	var cancelled = false
	var frame = 0
	for action in plan.actions:
		while frame < action[1]:
			yield(get_tree(), "idle_frame")
			frame += 1
		var live = node != null and is_instance_valid(node)
		match action[0]:
			"free":
				if live:
					node.free()
			"queue_free":
				if live:
					node.queue_free()
			"emit", "cancel_in_emission":
				if (
					emitter != null
					and is_instance_valid(emitter)
					and signal_name != ""
					and plan.kind != "timer"
					and plan.kind != "rust_state"
				):
					if action[0] == "cancel_in_emission":
						emitter.connect(
							signal_name, self, "_cancel_in_emission", [wait], CONNECT_ONESHOT
						)
						cancelled = true
					_emit(plan.kind, emitter, signal_name)
				elif (
					action[0] == "cancel_in_emission"
					and emitter != null
					and is_instance_valid(emitter)
					and not box.done
					and not emitter.is_connected(signal_name, self, "_cancel_in_emission")
				):
					# Timers and Rust states emit by themselves.
					emitter.connect(
						signal_name, self, "_cancel_in_emission", [wait], CONNECT_ONESHOT
					)
					cancelled = true
			"cancel":
				wait.cancel()
				cancelled = true
			"duplicate_free_original", "duplicate_free_copy":
				if live and copy == null:
					copy = node.duplicate()
					add_child(copy)
					_check_clean_copy(copy, key)
					if action[0] == "duplicate_free_original":
						node.free()
					else:
						copy.free()
						copy = null
			"remove_from_tree":
				if live and node.is_inside_tree():
					remove_child(node)
			"pack":
				if live:
					var packed = PackedScene.new()
					if packed.pack(node) != OK:
						hunt_failures.append("%s: pack failed" % key)
			"pause":
				get_tree().paused = true
				yield(get_tree(), "idle_frame")
				yield(get_tree(), "idle_frame")
				get_tree().paused = false
		if node != null and is_instance_valid(node) and not node.get_meta_list().empty():
			hunt_failures.append("%s: metadata on the node: %s" % [key, str(node.get_meta_list())])
	# The last event: the object goes (or emits; timers and Rust states end
	# by themselves).
	if node != null and is_instance_valid(node):
		if rng.randi_range(0, 1) == 0 and emitter == node:
			_emit(plan.kind, node, signal_name)
			yield(get_tree(), "idle_frame")
		if is_instance_valid(node):
			node.free()
	elif is_instance_valid(emitter) and emitter is Emitter:
		emitter.emit_signal("completed", 3)
	if copy != null and is_instance_valid(copy):
		copy.free()
	var bound = (
		SETTLE_FRAMES
		+ (int(plan.seconds * 60) + 60 if plan.kind in ["timer", "rust_state", "task"] else 0)
	)
	var done = yield(wait_box(box, bound), "completed")
	scenarios_ended += 1
	running.erase(number)
	if not done:
		hunt_failures.append("%s: never resolved (%d frames after its last event)" % [key, bound])
		wait.cancel()
		return
	var value = box.value
	for v in [value, value.get("value") if value is Dictionary else null]:
		if is_async_error(v) and not v.kind in ["freed", "cancelled", "timeout"]:
			hunt_failures.append("%s: error of kind %s: %s" % [key, v.kind, v.message])
	if cancelled and not (wait.is_cancelled() or wait.is_done()):
		hunt_failures.append("%s: cancelled, but neither cancelled nor done" % key)


func _emit(kind, emitter, signal_name):
	if kind == "two_steps":
		emitter.emit_signal("step")
	if signal_name != "never":
		emitter.emit_signal(signal_name, 1)
	else:
		emitter.emit_signal(signal_name)


func _cancel_in_emission(_a = null, _b = null, wait = null):
	# Signals with and without arguments: the bound wait is the last one.
	var w = wait if wait != null else (_b if _b != null else _a)
	if w is Object and w.has_method("cancel"):
		w.cancel()


func _check_clean_copy(copy, key):
	if not copy.get_meta_list().empty():
		hunt_failures.append("%s: the copy has metadata: %s" % [key, str(copy.get_meta_list())])
	for s in copy.get_signal_list():
		for c in copy.get_signal_connection_list(s.name):
			if c.method in ["_on_signal", "_on_watched"]:
				hunt_failures.append(
					"%s: the copy has the crate's connection %s.%s" % [key, s.name, c.method]
				)
