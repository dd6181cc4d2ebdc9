# A node with the `opened` signal the snippets wait on.
extends Node

signal opened
