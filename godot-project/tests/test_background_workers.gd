# The driver's `background_workers` property tells the truth once the
# background runtime runs.
extends "res://tests/test_case.gd"

var demo = AsyncDemo.new()


func test_background_workers_reads_back_the_running_runtimes_count():
	var driver = main_driver()
	# Starts the runtime if no earlier test did; Tokio counts the threads.
	var threads = yield(demo.background_worker_threads(), "completed")
	check(typeof(threads) == TYPE_INT and threads >= 1, "worker threads: %s" % str(threads))
	check_eq(driver.background_workers, threads, "background_workers while running")
	expect_log("the background runtime is already running with %d workers" % threads)
	driver.background_workers = threads + 1
	check_eq(driver.background_workers, threads, "background_workers after a refused change")
