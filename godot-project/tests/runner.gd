# Runs every `test_*` method of every `res://tests/test_*.gd` suite, prints a
# PASS/FAIL line per test and a final "N passed, N failed" line, and quits
# with a non-zero exit code on any failure or timeout.
extends Node

const TEST_DIR = "res://tests/"
const TIMEOUT_MSEC = 20000

var passed = 0
var failed = 0
var _done = false


func _ready():
	call_deferred("_run_all")


func _run_all():
	for path in _suites():
		var script = load(path)
		for name in _test_names(script):
			if _selected(_label(path, name)):
				yield(_run_one(script, path, name), "completed")
	print("%d passed, %d failed" % [passed, failed])
	get_tree().quit(0 if failed == 0 and passed > 0 else 1)


func _run_one(script, path, name):
	var suite = script.new()
	add_child(suite)
	_done = false
	var started = OS.get_ticks_msec()
	var state = suite.call(name)
	if state is GDScriptFunctionState:
		state.connect("completed", self, "_on_done")
	else:
		_done = true
	while not _done and OS.get_ticks_msec() - started < TIMEOUT_MSEC:
		yield(get_tree(), "idle_frame")
	var finished = _done
	if not finished and state.is_connected("completed", self, "_on_done"):
		state.disconnect("completed", self, "_on_done")
	var label = _label(path, name)
	if not finished:
		suite.failures.append("timed out after %d ms" % TIMEOUT_MSEC)
	if suite.failures.empty():
		passed += 1
		print("PASS %s (%d ms)" % [label, OS.get_ticks_msec() - started])
	else:
		failed += 1
		print("FAIL %s: %s" % [label, PoolStringArray(suite.failures).join("; ")])
	if finished:
		suite.queue_free()
	yield(get_tree(), "idle_frame")


# GDScript's `completed` carries the return value only sometimes.
func _on_done(_value = null):
	_done = true


func _suites():
	var names = []
	var dir = Directory.new()
	if dir.open(TEST_DIR) != OK:
		push_error("cannot open " + TEST_DIR)
		return names
	dir.list_dir_begin(true, true)
	var file = dir.get_next()
	while file != "":
		if file.begins_with("test_") and file.ends_with(".gd") and file != "test_case.gd":
			names.append(TEST_DIR + file)
		file = dir.get_next()
	names.sort()
	return names


# GDTEST_ONLY (comma-separated) keeps the tests whose "suite::test" label
# contains one of its parts.
func _selected(label):
	var only = OS.get_environment("GDTEST_ONLY")
	if only == "":
		return true
	for part in only.split(",", false):
		if part in label:
			return true
	return false


func _label(path, name):
	return "%s::%s" % [path.get_file().get_basename(), name]


func _test_names(script):
	var names = []
	for m in script.get_script_method_list():
		if m.name.begins_with("test_") and not m.name in names:
			names.append(m.name)
	names.sort()
	return names
