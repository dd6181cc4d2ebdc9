# WebSocket against Godot's own WebSocketClient (polled every frame), same
# loopback echo server (GDT_WS_URL, started by scripts/bench.sh or the Rust
# harness), at 60 fps: 1000 echo round trips one after the other (each
# message sent when the previous echo came back), then 1000 sent at once.
# Frames, wall seconds and main-thread ms per frame as in http_bench.gd,
# whose measuring it reuses; the burst is also read by the `message`
# signal. Used by bench.gd.
extends "res://bench/http_bench.gd"

var ws_url = OS.get_environment("GDT_WS_URL") + "/echo"


func run():
	Engine.target_fps = 60
	if ws_url == "/echo":
		push_error("ws bench: GDT_WS_URL is not set (scripts/bench.sh starts the servers)")
		yield(get_tree(), "idle_frame")
		return
	var n = 100 if quick else 1000
	print(
		(
			"\nWebSocket at 60 fps, loopback echo server (frames and "
			+ "seconds for all the echoes; main-thread ms per frame)"
		)
	)
	print("  %-52s %8s %9s %10s %9s" % ["", "frames", "seconds", "ms/frame", "ratio"])
	var client = yield(_godot_open(), "completed")
	var ws = yield(Async.websocket_connect(ws_url), "completed")
	if client == null or Async.is_error(ws):
		push_error("ws bench: cannot connect: %s" % str(ws))
		return
	var godot_seq = yield(_measure("_godot_echoes", [client, n, false]), "completed")
	var ours_seq = yield(_measure("_ours_echoes", [ws, n, false]), "completed")
	_row("%d round trips in turn: WebSocketClient" % n, godot_seq, ours_seq)
	_row("%d round trips in turn: AsyncWebSocket" % n, ours_seq, ours_seq)
	var godot_burst = yield(_measure("_godot_echoes", [client, n, true]), "completed")
	var ours_burst = yield(_measure("_ours_echoes", [ws, n, true]), "completed")
	_row("%d echoes sent at once: WebSocketClient" % n, godot_burst, ours_burst)
	_row("%d echoes sent at once: AsyncWebSocket" % n, ours_burst, ours_burst)
	var ours_signal = yield(_measure("_ours_signal_echoes", [ws, n]), "completed")
	_row("%d echoes sent at once: AsyncWebSocket, by signal" % n, ours_signal, ours_burst)
	client.disconnect_from_host()
	ws.close()
	yield(ws, "closed")


func _godot_open():
	var client = WebSocketClient.new()
	if client.connect_to_url(ws_url) != OK:
		yield(get_tree(), "idle_frame")
		return null
	while client.get_connection_status() == NetworkedMultiplayerPeer.CONNECTION_CONNECTING:
		client.poll()
		yield(get_tree(), "idle_frame")
	client.get_peer(1).set_write_mode(WebSocketPeer.WRITE_MODE_TEXT)
	return client


# Godot's client: poll() once per frame, as a game's _process does.
func _godot_echoes(client, n, burst):
	var peer = client.get_peer(1)
	var sent = 0
	var got = 0
	if burst:
		for i in range(n):
			peer.put_packet(("m%d" % i).to_utf8())
		sent = n
	else:
		peer.put_packet("m0".to_utf8())
		sent = 1
	while got < n:
		yield(get_tree(), "idle_frame")
		client.poll()
		while peer.get_available_packet_count() > 0:
			peer.get_packet()
			got += 1
			if sent < n:
				peer.put_packet(("m%d" % sent).to_utf8())
				sent += 1


# Sends all, counts the echoes by the `message` signal.
func _ours_signal_echoes(ws, n):
	_done = 0
	ws.connect("message", self, "_on_message")
	for i in range(n):
		ws.send("m%d" % i)
	while _done < n:
		yield(get_tree(), "idle_frame")
	ws.disconnect("message", self, "_on_message")


func _on_message(_data):
	_done += 1


func _ours_echoes(ws, n, burst):
	if burst:
		var receives = []
		for i in range(n):
			ws.send("m%d" % i)
			receives.append(ws.receive())
		yield(Async.all(receives), "completed")
	else:
		for i in range(n):
			ws.send("m%d" % i)
			yield(ws.receive(), "completed")
