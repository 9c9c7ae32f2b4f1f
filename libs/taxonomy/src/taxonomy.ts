// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient declaration of the `.tsv` text import, needed wherever this file is compiled
/// <reference path="./tsv.d.ts" />
import taxonomyTsv from '../data/iab-content-taxonomy-3.1.tsv';

/** One node of the IAB Content Taxonomy 3.1. `id` is the IAB "Unique ID". */
export interface TaxonomyNode {
  id: string;
  parentId?: string;
  name: string;
  /** Name of the node's Tier-1 ancestor (its own name for a Tier-1 node). */
  tier1: string;
  /** Tier names from Tier 1 down to this node, e.g. ["Sports", "Extreme Sports", "Climbing"]. */
  path: string[];
  /** The taxonomy's own "SCD" (special category data) flag. Not a complete sensitive list. */
  scd: boolean;
}

const HEADER_LINES = 2;

/** Parses the IAB TSV text (two header lines; Unique ID, Parent, Name, Tier1..Tier4, Extension). */
export function parseTaxonomyTsv(text: string): TaxonomyNode[] {
  const lines = text.split(/\r?\n/);
  const nodes: TaxonomyNode[] = [];
  for (let i = HEADER_LINES; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const cols = line.split('\t').map((c) => c.trim());
    const [id, parentId, name, t1, t2, t3, t4, extension] = cols;
    if (!id || !name) throw new Error(`taxonomy: malformed line ${i + 1}`);
    const path = [t1, t2, t3, t4].filter((t): t is string => t !== undefined && t !== '');
    if (path.length === 0) throw new Error(`taxonomy: line ${i + 1} has no tier names`);
    nodes.push({
      id,
      ...(parentId ? { parentId } : {}),
      name,
      tier1: path[0],
      path,
      scd: (extension ?? '').toUpperCase() === 'SCD',
    });
  }
  return nodes;
}

function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Read-only, indexed view of the taxonomy. */
export class Taxonomy {
  private readonly byId = new Map<string, TaxonomyNode>();
  private readonly childrenOf = new Map<string, TaxonomyNode[]>();
  private readonly byName = new Map<string, TaxonomyNode>();
  private readonly ordered: TaxonomyNode[];

  constructor(nodes: readonly TaxonomyNode[]) {
    for (const node of nodes) {
      if (this.byId.has(node.id)) throw new Error(`taxonomy: duplicate id ${node.id}`);
      this.byId.set(node.id, Object.freeze({ ...node, path: Object.freeze([...node.path]) as string[] }));
    }
    // Parents may appear after their children in the file: link in a second pass.
    for (const node of this.byId.values()) {
      if (node.parentId === undefined) continue;
      if (!this.byId.has(node.parentId)) {
        throw new Error(`taxonomy: node ${node.id} has unknown parent ${node.parentId}`);
      }
      const siblings = this.childrenOf.get(node.parentId) ?? [];
      siblings.push(node);
      this.childrenOf.set(node.parentId, siblings);
    }
    for (const node of this.byId.values()) {
      const key = normalizeName(node.name);
      if (!this.byName.has(key)) this.byName.set(key, node);
    }
    // Guard against cycles, which would make ancestors() loop.
    for (const node of this.byId.values()) this.ancestors(node.id);
    this.ordered = [...this.byId.values()];
  }

  get(id: string): TaxonomyNode | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Ancestors from the parent up to the Tier-1 node (nearest first). Empty for unknown ids. */
  ancestors(id: string): TaxonomyNode[] {
    const result: TaxonomyNode[] = [];
    let current = this.byId.get(id);
    const seen = new Set<string>();
    while (current?.parentId !== undefined) {
      if (seen.has(current.id)) throw new Error(`taxonomy: cycle at ${current.id}`);
      seen.add(current.id);
      const parent = this.byId.get(current.parentId);
      if (!parent) break;
      result.push(parent);
      current = parent;
    }
    return result;
  }

  /** Direct children of a node. */
  children(id: string): TaxonomyNode[] {
    return [...(this.childrenOf.get(id) ?? [])];
  }

  /** All descendants of a node (depth-first, the node itself excluded). Empty for unknown ids. */
  descendants(id: string): TaxonomyNode[] {
    const result: TaxonomyNode[] = [];
    const stack = [...(this.childrenOf.get(id) ?? [])].reverse();
    while (stack.length > 0) {
      const node = stack.pop() as TaxonomyNode;
      result.push(node);
      const kids = this.childrenOf.get(node.id);
      if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return result;
  }

  /** True when `id` is `ancestorId` itself or lies below it. False when either is unknown. */
  isSelfOrDescendantOf(id: string, ancestorId: string): boolean {
    if (!this.byId.has(id) || !this.byId.has(ancestorId)) return false;
    if (id === ancestorId) return true;
    return this.ancestors(id).some((a) => a.id === ancestorId);
  }

  /** The Tier-1 node above (or equal to) `id`. */
  tier1NodeOf(id: string): TaxonomyNode | undefined {
    const node = this.byId.get(id);
    if (!node) return undefined;
    const ancestors = this.ancestors(id);
    return ancestors.length > 0 ? ancestors[ancestors.length - 1] : node;
  }

  /** Every node, in file order. */
  all(): TaxonomyNode[] {
    return [...this.ordered];
  }

  /** Tier-1 nodes, in file order. */
  tier1Nodes(): TaxonomyNode[] {
    return this.ordered.filter((n) => n.parentId === undefined);
  }

  /** Node by its name (case- and whitespace-insensitive), e.g. "Climbing". */
  findByName(name: string): TaxonomyNode | undefined {
    return this.byName.get(normalizeName(name));
  }

  /**
   * The given ids plus all their descendants (unknown ids are kept as they are), e.g. so that a
   * blocked topic also hides its children.
   */
  expandWithDescendants(ids: Iterable<string>): Set<string> {
    const result = new Set<string>();
    for (const id of ids) {
      result.add(id);
      for (const d of this.descendants(id)) result.add(d.id);
    }
    return result;
  }
}

let cached: Taxonomy | undefined;

/** The IAB Content Taxonomy 3.1, parsed once and cached. */
export function getTaxonomy(): Taxonomy {
  if (!cached) cached = new Taxonomy(parseTaxonomyTsv(taxonomyTsv));
  return cached;
}

/** `getTaxonomy().expandWithDescendants(ids)`. */
export function expandWithDescendants(ids: Iterable<string>): Set<string> {
  return getTaxonomy().expandWithDescendants(ids);
}
