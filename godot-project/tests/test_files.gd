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
	check(back is PoolByteArray and back.size() == 4 and back[3] == 255, "bytes read back: %s" % str(back))


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
