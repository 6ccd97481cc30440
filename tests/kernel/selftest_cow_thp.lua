-- Ports of cow.c's "Basic COW after fork()" for the anonymous THP
-- variants: the child saves what it sees, the parent overwrites every
-- page, the child must still see the old content (no leak to the child).
-- Variants as cow.c makes them: a PMD-mapped THP; a PTE-mapped THP
-- (mprotect of one subpage read-only and back); a single PTE of a THP
-- (MADV_DONTNEED of all but one page); a partially mremap()ed THP (its
-- upper half moved away); a partially shared THP (MADV_DONTFORK on all
-- but the first page).  And once more with the parent's mprotect
-- read-only and back before writing ("mprotect optimization").  Every
-- fourth page is written and checked, to keep the run short.
local function fill(base, first, last, value)
	for i = first, last, 4 do
		write(base + i * 4096, value + i)
	end
end
local function seen(base, first, last, value, pid)
	local good = 0
	for i = first, last, 4 do
		good = good + (read(base + i * 4096, { pid = pid }) == value + i and 1 or 0)
	end
	return good
end
local variants = {
	pmd = function(a) return a, 0, 511 end,
	pte_mapped = function(a)
		mprotect(a + 4096, "4K", "r")
		mprotect(a + 4096, "4K", "rw")
		return a, 0, 511
	end,
	single_pte = function(a)
		madvise(a + 4096, 2 * MB - 4096, "dontneed")
		return a, 0, 0
	end,
	partially_mremapped = function(a)
		local away = mmap("2M")
		mremap(a + 1 * MB, "1M", "1M", away)
		return a, 0, 255
	end,
	partially_shared = function(a)
		madvise(a + 4096, 2 * MB - 4096, "dontfork")
		return a, 0, 0
	end,
}
for _, mprotect_first in ipairs({ false, true }) do
	for _, name in ipairs({ "pmd", "pte_mapped", "single_pte", "partially_mremapped",
			       "partially_shared" }) do
		local a = mmap("2M", { huge = true })
		fill(a, 0, 511, 1000)
		local base, first, last = variants[name](a)
		smaps(base)
		local child = fork()
		if mprotect_first then
			mprotect(base, (last + 1) * 4096, "r")
			mprotect(base, (last + 1) * 4096, "rw")
		end
		fill(base, first, last, 5000)
		print(name, mprotect_first, "child sees", seen(base, first, last, 1000, child),
		      "parent sees", seen(base, first, last, 5000))
		exit(child)
	end
end
check()
