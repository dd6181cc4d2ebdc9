# Game time: Async.sleep_game / timeout_game against SceneTreeTimers of the
# same length, with the tree paused and unpaused and at time scales 0.25
# and 2. Compared in frames (Engine.get_idle_frames()), never in ms.
extends "res://tests/test_case.gd"

var _saved_fps = 0


func _enter_tree():
	_saved_fps = Engine.target_fps
	Engine.target_fps = 60


func _exit_tree():
	Engine.target_fps = _saved_fps
	Engine.time_scale = 1.0
	get_tree().paused = false


# Starts recording when `task` (a game-time sleep) and `timer` (a
# SceneTreeTimer) resolve.
func race(task, timer):
	var rec = {"sleep_frame": -1, "timer_frame": -1, "waited": -1.0, "delta": 0.0}
	task.connect("completed", self, "_on_sleep", [rec])
	timer.connect("timeout", self, "_on_timer", [rec])
	return rec


func _on_sleep(value, rec):
	rec.sleep_frame = Engine.get_idle_frames()
	rec.waited = value
	rec.delta = get_process_delta_time()


func _on_timer(rec):
	rec.timer_frame = Engine.get_idle_frames()


func until_both(rec, max_frames):
	yield(get_tree(), "idle_frame")
	for _i in range(max_frames):
		if rec.sleep_frame >= 0 and rec.timer_frame >= 0:
			break
		yield(get_tree(), "idle_frame")


# The guarantee: never before the deadline in game time, in the first frame
# that reached it; so in the timer's frame or at most two later (a Godot
# timer started during a frame also counts that frame's delta). Godot's
# create_timer runs on while paused unless told otherwise: the timers here
# pass pause_mode_process = false, what sleep_game does by default.
func check_race(rec, seconds, what):
	if not check(
		rec.sleep_frame >= 0 and rec.timer_frame >= 0, "%s: both resolved (%s)" % [what, str(rec)]
	):
		return
	var late = rec.sleep_frame - rec.timer_frame
	check(
		late >= 0 and late <= 2,
		(
			"%s: sleep_game resolved %d frame(s) after the SceneTreeTimer, expected 0 to 2"
			% [what, late]
		)
	)
	check(
		rec.waited >= seconds - 0.000001,
		"%s: never early, waited %f of %f" % [what, rec.waited, seconds]
	)
	check(
		rec.waited - rec.delta < seconds,
		(
			"%s: in the first frame that reached the deadline (waited %f, frame delta %f)"
			% [what, rec.waited, rec.delta]
		)
	)
	print("game-time lateness (%s): %.2f ms of game time" % [what, (rec.waited - seconds) * 1000.0])


func test_sleep_game_follows_a_timer():
	var rec = race(Async.sleep_game(0.3), get_tree().create_timer(0.3, false))
	yield(until_both(rec, 120), "completed")
	check_race(rec, 0.3, "60 fps")


func test_pause_stops_sleep_game_like_a_timer():
	var rec = race(Async.sleep_game(0.3), get_tree().create_timer(0.3, false))
	var wall = Async.sleep(0.3)
	yield(frames(5), "completed")
	get_tree().paused = true
	yield(frames(30), "completed")
	check(wall.is_done(), "the wall-clock sleep ran on while paused")
	check(rec.sleep_frame < 0, "sleep_game waited while paused")
	check(rec.timer_frame < 0, "the timer waited while paused")
	get_tree().paused = false
	yield(until_both(rec, 120), "completed")
	check_race(rec, 0.3, "paused 30 frames")


func test_pause_mode_process_runs_while_paused():
	get_tree().paused = true
	var rec = race(Async.sleep_game(0.2, true), get_tree().create_timer(0.2, true))
	yield(until_both(rec, 120), "completed")
	check_race(rec, 0.2, "pause_mode_process = true")
	var parent = Node.new()
	parent.pause_mode = PAUSE_MODE_PROCESS
	var child = Node.new()
	parent.add_child(child)
	add_child(parent)
	rec = race(Async.sleep_game(0.2, child), get_tree().create_timer(0.2, true))
	var stopped = Async.sleep_game(0.05, self)
	yield(until_both(rec, 120), "completed")
	check_race(rec, 0.2, "a node that inherits PAUSE_MODE_PROCESS")
	check(not stopped.is_done(), "a node that stops with the tree gets no game time while paused")
	get_tree().paused = false
	var r = yield(Async.timeout(stopped, 2.0), "completed")
	check(not is_async_error(r), "and resumes after the pause: %s" % str(r))


func test_time_scale_quarter():
	Engine.time_scale = 0.25
	yield(frames(1), "completed")  # this frame's delta is still unscaled
	var rec = race(Async.sleep_game(0.2), get_tree().create_timer(0.2, false))
	var wall = {"frame": -1}
	Async.sleep(0.2).connect("completed", self, "_on_wall", [wall])
	yield(until_both(rec, 240), "completed")
	check_race(rec, 0.2, "time_scale 0.25")
	check(
		wall.frame >= 0 and wall.frame < rec.timer_frame - 10,
		"the wall-clock sleep is not scaled (frame %d, timer %d)" % [wall.frame, rec.timer_frame]
	)


func _on_wall(_value, box):
	box.frame = Engine.get_idle_frames()


func test_time_scale_two():
	Engine.time_scale = 2.0
	yield(frames(1), "completed")
	var rec = race(Async.sleep_game(0.4), get_tree().create_timer(0.4, false))
	yield(until_both(rec, 120), "completed")
	check_race(rec, 0.4, "time_scale 2")


func test_sleep_game_zero_waits_for_the_next_frame():
	var f0 = Engine.get_idle_frames()
	check_eq(yield(Async.sleep_game(0), "completed") > 0.0, true, "some game time passed")
	check(Engine.get_idle_frames() > f0, "resumed in a later frame")


func test_timeout_game_stops_while_paused():
	var box = watch(Async.timeout_game(Async.signal(self, "tree_exited"), 0.1))
	get_tree().paused = true
	yield(frames(20), "completed")
	check(not box.done, "no game time passed while paused")
	get_tree().paused = false
	yield(until_done(box, 60), "completed")
	if check(
		is_async_error(box.value, "timeout"), "timed out after the pause: %s" % str(box.value)
	):
		check_eq(box.value.method, "timeout_game", "method")
	var value = yield(Async.timeout_game(Async.frames(2), 1.0, true), "completed")
	check_eq(value, 2, "the value passes through")


func test_game_time_bad_arguments():
	expect_log("sleep_game: bad_arguments: argument 2 `pause`: expected a bool or a Node")
	expect_log("timeout_game: bad_arguments: argument 2 `seconds`: expected a number")
	expect_log(
		"sleep_game: bad_arguments: argument 1 `seconds`: must be between 0 and 86400, got -1"
	)
	check(is_async_error(yield(Async.sleep_game(1, "x"), "completed"), "bad_arguments"), "pause")
	check(is_async_error(yield(Async.sleep_game(-1), "completed"), "bad_arguments"), "seconds")
	check(
		is_async_error(
			yield(Async.timeout_game(Async.frames(1), "x"), "completed"), "bad_arguments"
		),
		"timeout_game"
	)
