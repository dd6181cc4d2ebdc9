# Quits with open sockets, pending reads and accepts, a busy background
# thread, a running stream and queued service requests: the exit must be
# prompt (the background runtime gets 0.5 s) and clean. Run by the Rust
# harness as its own scene.
extends Node

var demo = preload("res://testbed/async_demo.gdns").new()

var keep = []


func _ready():
	var server = yield(Async.tcp_listen("127.0.0.1", 0), "completed")
	var pending_accept = server.accept()
	var conn = yield(Async.tcp_connect("127.0.0.1", server.local_port()), "completed")
	var peer = yield(Async.task(pending_accept), "completed")
	keep = [server, conn, peer, server.accept(), conn.read_line(), peer.read_bytes(10)]
	keep.append(demo.background_spin(30.0))
	var job = demo.hash_job(4096)
	keep.append(job)
	var svc = demo.hash_service(2, 30.0)
	for i in range(3):
		keep.append(svc.request(str(i)))
	yield(get_tree().create_timer(0.2), "timeout")
	print("quitting with sockets and background work pending")
	get_tree().quit(0)
