# The gdnative-tokio editor plugin: while enabled, the project has the
# `Async` autoload (the toolkit) and the Add Node dialog offers
# AsyncExecutorDriver (a Node with the driver script and its icon).
tool

extends EditorPlugin

const AUTOLOAD_NAME = "Async"

const AUTOLOAD_PATH = "res://addons/gdnative_tokio/async_toolkit.gdns"

const DRIVER_TYPE = "AsyncExecutorDriver"

const DRIVER_SCRIPT = "res://addons/gdnative_tokio/async_executor_driver.gdns"

const DRIVER_ICON = "res://addons/gdnative_tokio/async_executor_driver.svg"


# Called when the plugin is switched on in Project Settings > Plugins.
func enable_plugin():
	if not ProjectSettings.has_setting("autoload/" + AUTOLOAD_NAME):
		add_autoload_singleton(AUTOLOAD_NAME, AUTOLOAD_PATH)


# Called when the plugin is switched off: the project loses the autoload.
func disable_plugin():
	if ProjectSettings.has_setting("autoload/" + AUTOLOAD_NAME):
		remove_autoload_singleton(AUTOLOAD_NAME)


func _enter_tree():
	# The icon is loaded only once the editor has imported it (a project
	# opened for the first time with the plugin on has not, yet).
	var icon = load(DRIVER_ICON) if ResourceLoader.exists(DRIVER_ICON) else null
	add_custom_type(DRIVER_TYPE, "Node", load(DRIVER_SCRIPT), icon)


func _exit_tree():
	remove_custom_type(DRIVER_TYPE)
