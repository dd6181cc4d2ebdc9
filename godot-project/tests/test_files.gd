# Async file reads and writes, on real files in a temporary directory.
extends "res://tests/test_case.gd"

var dir = ""


func _ready():
	dir = OS.get_user_data_dir() + "/test_files_%d" % OS.get_unix_time()
	Directory.new().make_dir_recursive(dir)


func test_text_round_trip():
	var path = dir + "/hello.txt"
	var written = yield(Async.write_text(path, "héllo\nwörld"), "completed")
	check_eq(written, 13, "bytes written")
	check_eq(yield(Async.read_text(path), "completed"), "héllo\nwörld", "text read back")


func test_bytes_round_trip_through_user_path():
	var bytes = PoolByteArray([0, 1, 2, 255])
	var written = yield(Async.write_bytes("user://test_files_bytes.bin", bytes), "completed")
	check_eq(written, 4, "bytes written")
	var back = yield(Async.read_bytes("user://test_files_bytes.bin"), "completed")
	check(
		back is PoolByteArray and back.size() == 4 and back[3] == 255,
		"bytes read back: %s" % str(back)
	)


func test_a_missing_file_is_a_failed_error():
	var r = yield(Async.read_text(dir + "/missing.txt"), "completed")
	check(is_async_error(r, "failed") and r.message.ends_with("not found"), "error: %s" % str(r))


func test_a_missing_directory_and_bad_text_are_failed_errors():
	var path = dir + "/no_such_dir/x.txt"
	var r = yield(Async.write_text(path, "x"), "completed")
	check(is_async_error(r, "failed"), "writing into a missing directory: %s" % str(r))
	var binary = dir + "/binary.bin"
	yield(Async.write_bytes(binary, PoolByteArray([255, 254, 0])), "completed")
	expect_log("read_text(" + binary + "): invalid data")
	r = yield(Async.read_text(binary), "completed")
	check(is_async_error(r, "failed") and "invalid data" in r.message, "not UTF-8: %s" % str(r))


func test_bad_arguments():
	expect_log("argument 1 `path`: must not be empty")
	var r = yield(Async.read_text(""), "completed")
	check(is_async_error(r, "bad_arguments"), "empty path: %s" % str(r))
	expect_log("only absolute, res:// and user:// paths, got http://example.com/x")
	r = yield(Async.read_bytes("http://example.com/x"), "completed")
	check(is_async_error(r, "bad_arguments"), "url: %s" % str(r))
	expect_log("argument 2 `bytes`")
	r = yield(Async.write_bytes(dir + "/x.bin", "not bytes"), "completed")
	check(is_async_error(r, "bad_arguments"), "not bytes: %s" % str(r))


# Text of `n` bytes, all `c`.
func text_of(c, n):
	var s = c
	while s.length() < n:
		s += s
	return s.substr(0, n)


# Files in `folder` (without . and ..).
func files_in(folder):
	var names = []
	var d = Directory.new()
	if d.open(folder) != OK:
		return names
	d.list_dir_begin(true, false)
	var name = d.get_next()
	while name != "":
		names.append(name)
		name = d.get_next()
	d.list_dir_end()
	names.sort()
	return names


# Saves of different sizes to one path in one frame, awaited together: the
# file holds the last call's text, never an earlier one or a mix, and no
# temporary file is left beside it.
func test_writes_to_one_path_apply_in_call_order():
	var folder = dir + "/ordered"
	Directory.new().make_dir_recursive(folder)
	var path = folder + "/save.txt"
	var texts = [text_of("a", 4 << 20), text_of("b", 1024), text_of("c", 10)]
	var rounds = 8
	var wrong = []
	for round_number in range(rounds):
		var order = (
			texts.duplicate()
			if round_number % 2 == 0
			else [texts[2], texts[0], texts[1], texts[2].to_upper()]
		)
		var writes = []
		for t in order:
			writes.append(Async.write_text(path, t))
		var sizes = yield(Async.all(writes), "completed")
		var want = []
		for t in order:
			want.append(t.length())
		check_eq(sizes, want, "round %d: bytes written" % round_number)
		var back = yield(Async.read_text(path), "completed")
		if not (back is String and back == order[order.size() - 1]):
			wrong.append(
				(
					"round %d: %s bytes starting %s"
					% [
						round_number,
						str(back.length()) if back is String else "?",
						str(back).substr(0, 12)
					]
				)
			)
	check(
		wrong.empty(),
		(
			"the last call's text in every round; %d of %d wrong: %s"
			% [wrong.size(), rounds, str(wrong)]
		)
	)
	check_eq(files_in(folder), ["save.txt"], "no temporary file left")


# A failed write (the target is a folder) leaves no temporary file either.
func test_a_failed_write_leaves_no_temporary_file():
	var folder = dir + "/failing"
	Directory.new().make_dir_recursive(folder + "/taken")
	expect_log("write_text(" + folder + "/taken): ")
	var r = yield(Async.write_text(folder + "/taken", "x"), "completed")
	check(is_async_error(r, "failed"), "writing over a folder fails: %s" % str(r))
	check_eq(files_in(folder), ["taken"], "no temporary file left")
