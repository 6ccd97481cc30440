-- options: --allow-sysfs
-- shrink_underused = 0 (FACTS.md A10, phase 3) and max_ptes_none = 511
-- (the default, phase 1): a mostly zero THP is never split by the
-- shrinker, it stays a PMD-mapped THP.
for _, setting in ipairs({ { "shrink_underused", "0", "409" }, { "shrink_underused", "1", "511" } }) do
	sysfs("transparent_hugepage/" .. setting[1], setting[2])
	sysfs("transparent_hugepage/khugepaged/max_ptes_none", setting[3])
	local a = mmap("2M", { huge = true })
	write(a + 100 * 4096, 1)
	events(true)
	print(shrink())
	events(false)
	events()
	smaps(a)
	folio(a)
	munmap(a, "2M")
end
check()
