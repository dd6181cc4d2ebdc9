# The live task view: Async.tasks() and the addon's overlay scene.
extends "res://tests/test_case.gd"

const Overlay = preload("res://addons/gdnative_tokio/task_overlay.tscn")

var demo = AsyncDemo.new()


func named(name):
	var out = []
	for t in Async.tasks():
		if t.name == name:
			out.append(t)
	return out


func test_tasks_lists_live_tasks_with_name_age_polls_and_state():
	var before = Async.tasks().size()
	var sleeping = Async.sleep(30.0)
	var waiting = Async.signal(self, "tree_exited")
	var state = demo.delay(30.0)
	check_eq(Async.tasks().size(), before + 3, "three more live tasks")
	yield(frames(3), "completed")
	var s = named("sleep")
	if check(s.size() >= 1, "sleep is listed: %s" % str(Async.tasks())):
		var row = s[-1]
		check(row.has_all(["id", "name", "age", "polls", "state"]), "row keys: %s" % str(row))
		check(row.polls >= 1 and row.age > 0.0, "polled and aging: %s" % str(row))
		check_eq(row.state, "waiting on timer", "what the sleep waits on")
	var sig = named("signal")
	check(sig.size() >= 1 and sig[-1].state == "waiting on signal", "signal: %s" % str(sig))
	check(named("delay").size() >= 1, "an async method is listed by its GDScript name")
	sleeping.cancel()
	waiting.cancel()
	yield(frames(2), "completed")
	check_eq(Async.tasks().size(), before + 1, "cancelled tasks left the list")
	Async.track_tasks = false
	var untracked = Async.sleep(30.0)
	check_eq(Async.tasks().size(), before + 1, "track_tasks = false: new tasks are not listed")
	Async.track_tasks = true
	untracked.cancel()
	state = null


func test_the_overlay_shows_1000_live_tasks():
	var before = Async.tasks().size()
	var tasks = []
	for i in range(1000):
		tasks.append(Async.sleep_game(60.0 + i))
	yield(frames(2), "completed")
	var overlay = Overlay.instance()
	add_child(overlay)
	overlay.refresh()
	var rows = overlay.rows()
	check_eq(rows.size(), before + 1000, "one row per live task")
	var sleeps = 0
	for row in rows:
		if row[0] == "sleep_game" and row[3] == "waiting on game timer" and int(row[2]) >= 1:
			sleeps += 1
	check_eq(sleeps, 1000, "1000 sleep_game rows, polled, waiting on a game timer")
	check(
		overlay.get_node("Box/Title").text.begins_with("%d live tasks" % (before + 1000)),
		"title: %s" % overlay.get_node("Box/Title").text
	)
	for t in tasks:
		t.cancel()
	yield(frames(2), "completed")
	overlay.refresh()
	check_eq(overlay.rows().size(), before, "the rows go with the tasks")
	var key = InputEventKey.new()
	key.scancode = overlay.toggle_key
	key.pressed = true
	overlay._input(key)  # gdlint: ignore=private-method-call
	check(not overlay.visible, "the toggle key hides it")
	overlay._input(key)  # gdlint: ignore=private-method-call
	check(overlay.visible, "and shows it again")
	overlay.queue_free()
