-- options: --allow-sysfs
-- Which mTHP order a fault picks (FACTS.md "mTHP"): the highest enabled
-- order whose naturally aligned block around the address lies inside
-- the VMA.  With 16K, 32K and 64K enabled for MADV_HUGEPAGE VMAs: a
-- 32 KiB VMA that is 32K-aligned gets a 32K folio, a 48 KiB VMA only
-- 16K-aligned a 16K one, a 24 KiB VMA 8K-aligned a small page; a 256 KiB
-- VMA 64K; a 2 MiB one the PMD order (2048kB inherits madvise).
for _, size in ipairs({ "16kB", "32kB", "64kB" }) do
	sysfs("transparent_hugepage/hugepages-" .. size .. "/enabled", "madvise")
end
-- A MADV_HUGEPAGE VMA of @len at @offset in a fresh 2 MiB region.
local function vma(offset, len)
	local r = mmap("2M", { huge = true })
	if offset > 0 then
		mprotect(r, offset, "none")
	end
	mprotect(r + offset + len, 2 * MB - offset - len, "none")
	return r + offset
end
print(fault(vma(0, 32 * KB), "w"))
print(fault(vma(16 * KB, 48 * KB), "w"))
print(fault(vma(8 * KB, 24 * KB), "w"))
local e = vma(0, 256 * KB)
print(fault(e, "w"))
folio(e)
print(fault(mmap("2M", { huge = true }), "w"))
for _, size in ipairs({ "16kB", "32kB", "64kB", "2048kB" }) do
	mthp_stats(size)
end
check()
