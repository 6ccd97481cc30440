/*
 * mm_types.h - struct page, struct folio, VMAs, the mm and the machine.
 *
 * struct page is 40 bytes (the kernel's is 64); with the 8-byte value
 * each frame stores (see page_alloc.c) a resident base page costs 48.
 *
 *   struct page              word   head / order-0       tail           free (buddy)     page table
 *   +---------------------+
 *   | flags               |   0    PG_* | memcg id     PG_tail, and   PG bits          PG bits
 *   +---------------------+                             page[1]: order
 *   | mapping / head      |   1    mapping (anon_vma|1) compound_head   buddy_list.next  pmd_huge_pte
 *   | index / ...         |   2    index                folio fields    buddy_list.prev  pt_deposit_next
 *   | private / ...       |   3    private (swap entry) folio fields    order            ptl
 *   +---------------------+
 *   | _mapcount|page_type |   4    -1 = unmapped        own mapcount    PGTY_buddy       PGTY_table
 *   | _refcount           |        references           0              0                1
 *   +---------------------+
 *
 * A large folio keeps its extra fields in the spare words of its first
 * tail pages, as the kernel does (struct folio overlays page[0..3]):
 *
 *   page[1]  _large_mapcount  _nr_pages_mapped  _entire_mapcount  _pincount
 *   page[2]  _deferred_list
 *   page[3]  _mm_id_mapcount[2]  _mm_ids
 *
 * Two simplifications, both invisible in any counter: tail pages are
 * marked by PG_tail in their flags (the kernel tags compound_head bit 0,
 * which here would collide with the anon bit of mapping), and the
 * folio's memcg id lives in the head page's flags (the node id follows
 * from the pfn, since nodes are contiguous pfn ranges).
 * Because _mm_ids sits in page[3], folios are never order 1 (the kernel
 * allows order-1 file folios; anonymous ones are order 0 or >= 2 there
 * too).
 */
#ifndef THPSH_MM_MM_TYPES_H
#define THPSH_MM_MM_TYPES_H

#include "interval_tree.h"
#include "pgtable.h"
#include "types.h"

/* enum pageflags, numbered as the live kernel's BTF says. */
enum pageflags {
	PG_locked = 0,
	PG_writeback = 1,
	PG_referenced = 2,
	PG_uptodate = 3,
	PG_dirty = 4,
	PG_lru = 5,
	PG_head = 6,
	PG_waiters = 7,
	PG_active = 8,
	PG_workingset = 9,
	PG_owner_priv_1 = 10,
	PG_owner_2 = 11,
	PG_arch_1 = 12,
	PG_reserved = 13,
	PG_private = 14,
	PG_private_2 = 15,
	PG_reclaim = 16,
	PG_swapbacked = 17,
	PG_unevictable = 18,
	PG_dropbehind = 19,
	PG_mlocked = 20,
	PG_young = 21,
	PG_idle = 22,
	PG_arch_2 = 23,
	__NR_PAGEFLAGS = 24,
	PG_swapcache = PG_owner_priv_1,
	PG_anon_exclusive = PG_owner_2,
	/* second-page (page[1]) flags */
	PG_has_hwpoisoned = PG_active,
	PG_large_rmappable = PG_workingset,
	PG_partially_mapped = PG_reclaim,
	/* thpsh only: see the comment at the top */
	PG_tail = 31,
};

/* page_type values kept in _mapcount of pages that are not mapped. */
#define PGTY_buddy	0xf0
#define PGTY_table	0xf2
#define PAGE_TYPE_SHIFT	24

/* The folio's memcg id lives in the head page's flags (the node follows from the pfn). */
#define MEMCG_PGSHIFT	40
#define MEMCG_PGMASK	0xffffUL

#define FOLIO_MAPPING_ANON	0x1UL

struct page {
	unsigned long flags;			/* PG_* bits and, on a head page, the memcg id */
	union {
		struct {			/* order-0 and head pages */
			unsigned long mapping;	/* anon_vma | FOLIO_MAPPING_ANON or address_space */
			unsigned long index;	/* offset in the mapping, in pages */
			unsigned long private;	/* swap entry while in the swap cache */
		};
		struct {			/* tail pages */
			unsigned long compound_head;	/* the head page */
			unsigned long _tail_word2;	/* folio fields, see struct folio */
			unsigned long _tail_word3;
		};
		struct {			/* free pages in the buddy allocator */
			struct list_head buddy_list;	/* on free_area[order] */
			unsigned long buddy_order;	/* order of the free block */
		};
		struct {			/* page-table pages (struct ptdesc) */
			struct page *pmd_huge_pte;	/* PMD tables: deposited PTE tables */
			struct page *pt_deposit_next;	/* PTE tables: next deposited one */
			spinlock_t ptl;		/* split page-table lock */
		};
	};
	union {
		int _mapcount;			/* page-table mappings minus one */
		unsigned int page_type;		/* PGTY_* << 24 when not mappable */
	};
	int _refcount;				/* references; 0 when free or frozen */
};

/* The folio view of a head page and its first three tails. */
struct folio {
	/* page[0] */
	unsigned long flags;
	unsigned long mapping;
	unsigned long index;
	unsigned long private;
	int _mapcount;
	int _refcount;
	/* page[1] */
	unsigned long _flags_1;		/* order in bits 0..7, second-page flags */
	unsigned long _head_1;
	int _large_mapcount;		/* all page-table mappings, minus one */
	int _nr_pages_mapped;		/* pages mapped by PTE, + ENTIRELY_MAPPED per PMD */
	int _entire_mapcount;		/* PMD mappings, minus one */
	int _pincount;			/* FOLL_PIN pins */
	int _mapcount_1;
	int _refcount_1;
	/* page[2] */
	unsigned long _flags_2;
	unsigned long _head_2;
	struct list_head _deferred_list;	/* on a deferred split queue */
	int _mapcount_2;
	int _refcount_2;
	/* page[3] */
	unsigned long _flags_3;
	unsigned long _head_3;
	int _mm_id_mapcount[2];		/* mappings by the two tracked mms, minus one */
	unsigned long _mm_ids;		/* the two mm ids, and the "maybe shared" bit */
	int _mapcount_3;
	int _refcount_3;
};

_Static_assert(sizeof(struct page) == 40, "struct page is 40 bytes");
_Static_assert(sizeof(struct folio) == 4 * sizeof(struct page), "folio overlays 4 pages");
_Static_assert(offsetof(struct folio, _mapcount_1) ==
	       sizeof(struct page) + offsetof(struct page, _mapcount), "page[1]._mapcount");
_Static_assert(offsetof(struct folio, _refcount_3) ==
	       3 * sizeof(struct page) + offsetof(struct page, _refcount), "page[3]._refcount");

#define ENTIRELY_MAPPED		0x800000
#define FOLIO_PAGES_MAPPED	(ENTIRELY_MAPPED - 1)
#define MM_ID_BITS		31
#define MM_ID_MASK		((1UL << MM_ID_BITS) - 1)
#define MM_ID_DUMMY		0
#define FOLIO_MM_IDS_SHARED_BIT	(1UL << 63)

/* vm_flags */
#define VM_NONE		0x00000000UL
#define VM_READ		0x00000001UL
#define VM_WRITE	0x00000002UL
#define VM_EXEC		0x00000004UL
#define VM_SHARED	0x00000008UL
#define VM_MAYREAD	0x00000010UL
#define VM_MAYWRITE	0x00000020UL
#define VM_MAYEXEC	0x00000040UL
#define VM_MAYSHARE	0x00000080UL
#define VM_GROWSDOWN	0x00000100UL
#define VM_PFNMAP	0x00000400UL
#define VM_LOCKED	0x00002000UL
#define VM_IO		0x00004000UL
#define VM_DONTCOPY	0x00020000UL
#define VM_DONTEXPAND	0x00040000UL
#define VM_ACCOUNT	0x00100000UL
#define VM_NORESERVE	0x00200000UL
#define VM_HUGETLB	0x00400000UL
#define VM_WIPEONFORK	0x02000000UL
#define VM_DONTDUMP	0x04000000UL
#define VM_MIXEDMAP	0x10000000UL
#define VM_HUGEPAGE	0x20000000UL
#define VM_NOHUGEPAGE	0x40000000UL
#define VM_MERGEABLE	0x80000000UL
#define VM_ACCESS_FLAGS	(VM_READ | VM_WRITE | VM_EXEC)

struct mm_struct;
struct shmem_file;

/* One anon_vma per VMA that faulted anonymous memory (mm/rmap.c). */
struct anon_vma {
	struct anon_vma *root;		/* the root of this anon_vma tree */
	struct anon_vma *parent;	/* the anon_vma it was forked from */
	int refcount;			/* references from folios under split etc. */
	unsigned long num_children;	/* anon_vmas with this one as parent */
	unsigned long num_active_vmas;	/* VMAs whose vma->anon_vma is this one */
	struct itroot rb_root;		/* anon_vma_chains by the page offsets they cover */
	bool locked;			/* the root's rwsem, held for write */
};

/* Links a VMA to every anon_vma whose folios it may map. */
struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;	/* on vma->anon_vma_chain */
	struct itnode rb;		/* in anon_vma->rb_root: [vm_pgoff, last pgoff] */
};

struct vm_area_struct {
	unsigned long vm_start;		/* first address */
	unsigned long vm_end;		/* first address past the end */
	struct mm_struct *vm_mm;	/* the address space it belongs to */
	pgprot_t vm_page_prot;		/* entry protection bits for new mappings */
	unsigned long vm_flags;		/* VM_* */
	unsigned long vm_pgoff;		/* offset in PAGE_SIZE units */
	struct anon_vma *anon_vma;	/* where its new anonymous folios go */
	struct list_head anon_vma_chain;	/* its anon_vma_chains */
	struct shmem_file *vm_file;	/* shmem/tmpfs file, or NULL */
	struct itnode shared;		/* in vm_file's i_mmap: [vm_pgoff, last pgoff] */
	struct list_head vm_list;	/* on mm->mmap, sorted by address */
	struct itnode vm_rb;		/* in mm->mm_mt: [vm_start, vm_end - 1] */
};

enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

/* mm->flags bits */
#define MMF_VM_HUGEPAGE		17	/* on khugepaged's list */
#define MMF_HUGE_ZERO_FOLIO	23
#define MMF_DISABLE_THP		24
#define MMF_HAS_PINNED		27	/* FOLL_PIN has run; never cleared */
/* What a forked mm inherits (mmf_init_flags): of thpsh's bits, only this. */
#define MMF_INIT_MASK		BIT(MMF_DISABLE_THP)

struct task_struct;

struct mm_struct {
	struct page *pgd;		/* the top-level table */
	struct list_head mmap;		/* VMAs sorted by address */
	struct itroot mm_mt;		/* the same VMAs, for lookups (a maple tree in the kernel) */
	int map_count;			/* number of VMAs */
	unsigned long mmap_base;	/* top of the top-down mmap area */
	long rss_stat[NR_MM_COUNTERS];	/* MM_* pages */
	long pgtables_bytes;		/* page tables, in bytes */
	unsigned long flags;		/* MMF_* */
	unsigned int mm_id;		/* identifies the mm in folio->_mm_ids */
	spinlock_t page_table_lock;	/* protects page-table allocation */
	int mm_users;			/* tasks using it */
	struct task_struct *owner;	/* the task it belongs to */
};

#endif /* THPSH_MM_MM_TYPES_H */
