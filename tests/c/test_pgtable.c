/*
 * test_pgtable.c - x86-64 entry encodings, bit for bit.
 *
 * Every expected value here was observed on the live 6.18 kernel in a
 * migrate:set_migration_pte / remove_migration_pte trace event
 * (tests/kernel/FACTS.md, section A12), or follows from
 * arch/x86/include/asm/pgtable_types.h as the comment says.
 */
#include "tap.h"

#include "mm/swapops.h"

static u64 migration_pte(swp_entry_t e, bool young, bool dirty)
{
	if (young)
		e = make_migration_entry_young(e);
	if (dirty)
		e = make_migration_entry_dirty(e);
	return pte_val(swp_entry_to_pte(e));
}

int main(void)
{
	swp_entry_t e;
	pte_t pte;

	/* A12, E1: a writable, young, dirty page becomes type 30. */
	is_int(migration_pte(make_writable_migration_entry(0x12b201), true, true),
	       0xf7ffe7ffda9bfc00, "E1 set_migration_pte value");
	/* A12, E2: a read-only exclusive page becomes type 29. */
	is_int(migration_pte(make_readable_exclusive_migration_entry(0x12af00), true, true),
	       0xefffe7ffdaa1fe00, "E2 set_migration_pte value");
	/* A12, E3: an old page keeps young clear (offset bit 34). */
	is_int(migration_pte(make_writable_migration_entry(0x128c01), false, true),
	       0xf7ffefffdae7fc00, "E3 set_migration_pte value");
	/* A12, E5: a page shared with a fork child is type 28. */
	is_int(migration_pte(make_readable_migration_entry(0x12b401), false, true),
	       0xe7ffefffda97fc00, "E5 set_migration_pte value");

	e = pte_to_swp_entry(__pte(0xf7ffe7ffda9bfc00));
	is_int(swp_type(e), SWP_MIGRATION_WRITE, "decode: type 30 is migration-write");
	is_int(swp_offset_pfn(e), 0x12b201, "decode: pfn");
	ok(is_migration_entry_young(e) && is_migration_entry_dirty(e), "decode: young and dirty");
	ok(is_pte_migration_entry(__pte(0xf7ffe7ffda9bfc00)), "a migration pte is recognised");
	ok(!pte_present(__pte(0xf7ffe7ffda9bfc00)), "a migration pte is not present");

	/* A12, E1 remove: P|RW|USER|ACCESSED|DIRTY|NX. */
	pte = pte_mkwrite(pte_mkdirty(pfn_pte(0x12b201, PAGE_COPY)));
	is_int(pte_val(pte), 0x800000012b201067, "a writable dirty anon pte");
	/* A12, E2 remove: mkdirty on a read-only pte sets SAVED_DIRTY (bit 58). */
	pte = pte_mkdirty(pfn_pte(0x12af00, PAGE_COPY));
	is_int(pte_val(pte), 0x840000012af00025, "a read-only dirty pte keeps SAVED_DIRTY");
	ok(pte_dirty(pte), "pte_dirty() sees SAVED_DIRTY");
	is_int(pte_val(pte_mkwrite(pte)), 0x800000012af00067, "mkwrite moves it back to DIRTY");
	/* A12, E3 remove: an old entry: no ACCESSED. */
	is_int(pte_val(pte_mkold(pte_mkwrite(pte_mkdirty(pfn_pte(0x128c01, PAGE_COPY))))),
	       0x8000000128c01047, "an old dirty writable pte");

	/* pgtable_types.h: a PMD leaf is the same with PSE (bit 7). */
	ok(pmd_trans_huge(pmd_mkhuge(pfn_pmd(0x600, PAGE_COPY))), "PSE marks a huge PMD");
	is_int(pmd_val(pmd_mkwrite(pmd_mkdirty(pmd_mkhuge(pfn_pmd(0x600, PAGE_COPY))))),
	       0x80000000006000e7, "a writable dirty THP PMD");
	is_int(pmd_pfn(pmd_mkhuge(pfn_pmd(0x600, PAGE_COPY))), 0x600, "pmd_pfn");
	/* L1TF: a non-present huge PMD keeps its pfn inverted, pmd_pfn undoes it. */
	ok(pmd_pfn(pmd_mkinvalid(pmd_mkhuge(pfn_pmd(0x600, PAGE_COPY)))) == 0x600 &&
	   pmd_present(pmd_mkinvalid(pmd_mkhuge(pfn_pmd(0x600, PAGE_COPY)))),
	   "an invalidated huge PMD is still 'present' and keeps its pfn");
	/* PAGE_NONE: a PROT_NONE pte is protnone, not present to the CPU, pfn inverted. */
	pte = pfn_pte(0x1234, PAGE_NONE);
	ok(pte_present(pte) && !(pte_val(pte) & _PAGE_PRESENT) && pte_pfn(pte) == 0x1234,
	   "PROT_NONE pte: protnone with an inverted pfn");
	return done_testing();
}
