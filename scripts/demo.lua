#!/usr/bin/env thpsh
-- demo.lua - what `make run` shows when no terminal is attached: a short
-- tour of the commands thpsh has so far.

print("The commands:")
help()

print("\nSizes are integers, or strings with a unit:")
for _, s in ipairs({ "4K", "2M", "1G", "0x200000" }) do
	print(string.format("  size(%q) = %d", s, size(s)))
end
print("  2 * MB = " .. 2 * MB)

local vma = {
	start = 0x7f0000000000,
	["end"] = 0x7f0000000000 + size "4M",
	flags = { "read", "write", "anon" },
	thp = true,
}
print("\nA value as the prompt shows it, addresses in hex:")
print(inspect(vma))
print("\nThe same value as JSON, for other programs:")
print(json(vma))
