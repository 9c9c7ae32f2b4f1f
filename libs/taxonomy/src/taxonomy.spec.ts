import { Taxonomy, expandWithDescendants, getTaxonomy, parseTaxonomyTsv } from './index';

describe('IAB Content Taxonomy 3.1', () => {
  const taxonomy = getTaxonomy();

  it('parses all 704 categories', () => {
    expect(taxonomy.all()).toHaveLength(704);
  });

  it('is parsed once and cached', () => {
    expect(getTaxonomy()).toBe(taxonomy);
  });

  it('exposes a node with its tiers, parent and SCD flag', () => {
    expect(taxonomy.get('500')).toEqual({
      id: '500',
      parentId: '498',
      name: 'Climbing',
      tier1: 'Sports',
      path: ['Sports', 'Extreme Sports', 'Climbing'],
      scd: false,
    });
    expect(taxonomy.get('317')?.scd).toBe(true);
    expect(taxonomy.get('483')?.parentId).toBeUndefined();
    expect(taxonomy.has('483')).toBe(true);
    expect(taxonomy.has('nope')).toBe(false);
    expect(taxonomy.get('nope')).toBeUndefined();
  });

  it('handles alphanumeric ids and children listed before their parent', () => {
    // "Productivity" (W3CW2J) appears in the file before its parent 602.
    const productivity = taxonomy.get('W3CW2J');
    expect(productivity?.path).toEqual([
      'Technology & Computing',
      'Computing',
      'Computer Software and Applications',
      'Productivity',
    ]);
    expect(taxonomy.ancestors('W3CW2J').map((n) => n.id)).toEqual(['602', '599', '596']);
    expect(taxonomy.get('80DV8O')?.tier1).toBe('Communication');
  });

  it('lists the Tier-1 areas', () => {
    const names = taxonomy.tier1Nodes().map((n) => n.name);
    expect(names).toContain('Sports');
    expect(names).toContain('Sensitive Topics');
    expect(names).toContain('War and Conflicts');
    expect(names.length).toBe(37);
  });

  it('walks ancestors nearest first', () => {
    expect(taxonomy.ancestors('500').map((n) => n.name)).toEqual(['Extreme Sports', 'Sports']);
    expect(taxonomy.ancestors('483')).toEqual([]);
    expect(taxonomy.ancestors('unknown')).toEqual([]);
  });

  it('collects descendants at every depth', () => {
    const ids = taxonomy.descendants('287').map((n) => n.id);
    expect(ids).toContain('317'); // Diabetes
    expect(ids).toContain('303'); // Birth Control, two levels down
    expect(ids).not.toContain('287');
    expect(taxonomy.descendants('500')).toEqual([]);
    expect(taxonomy.children('498').map((n) => n.name)).toContain('Climbing');
  });

  it('answers isSelfOrDescendantOf', () => {
    expect(taxonomy.isSelfOrDescendantOf('500', '483')).toBe(true);
    expect(taxonomy.isSelfOrDescendantOf('500', '500')).toBe(true);
    expect(taxonomy.isSelfOrDescendantOf('483', '500')).toBe(false);
    expect(taxonomy.isSelfOrDescendantOf('500', '286')).toBe(false);
    expect(taxonomy.isSelfOrDescendantOf('x', 'x')).toBe(false);
  });

  it('finds the Tier-1 node of any node', () => {
    expect(taxonomy.tier1NodeOf('303')?.name).toBe('Medical Health');
    expect(taxonomy.tier1NodeOf('483')?.id).toBe('483');
    expect(taxonomy.tier1NodeOf('unknown')).toBeUndefined();
  });

  it('finds nodes by name regardless of case and spacing', () => {
    expect(taxonomy.findByName('climbing')?.id).toBe('500');
    expect(taxonomy.findByName('  Religion   &  Spirituality ')?.id).toBe('453');
    expect(taxonomy.findByName('Quidditch')).toBeUndefined();
  });

  it('expands ids with their descendants (a blocked topic hides its children)', () => {
    const expanded = expandWithDescendants(['498', 'unknown']);
    expect(expanded.has('498')).toBe(true);
    expect(expanded.has('500')).toBe(true);
    expect(expanded.has('unknown')).toBe(true);
    expect(expanded.has('483')).toBe(false);
    expect(expandWithDescendants([]).size).toBe(0);
  });

  it('has a consistent tree: every path ends in the node name and tier1 matches the root', () => {
    for (const node of taxonomy.all()) {
      expect(node.path[node.path.length - 1]).toBe(node.name);
      expect(taxonomy.tier1NodeOf(node.id)?.name).toBe(node.tier1);
      // The tier columns can list more levels than the parent links do (Public Radio sits under
      // "Genres > Talk Radio" in its tiers but its parent is Genres): paths follow the file.
      expect(node.path.length).toBeGreaterThanOrEqual(taxonomy.ancestors(node.id).length + 1);
    }
  });

  it('rejects malformed input', () => {
    const header = 'Relational ID System\t\t\nUnique ID\tParent\tName\tTier 1\n';
    expect(() => new Taxonomy(parseTaxonomyTsv(`${header}1\t9\tA\tA\n`))).toThrow(/unknown parent/);
    expect(() => new Taxonomy(parseTaxonomyTsv(`${header}1\t\tA\tA\n1\t\tB\tB\n`))).toThrow(/duplicate/);
    expect(() => parseTaxonomyTsv(`${header}\t\tA\tA\n`)).toThrow(/malformed/);
  });
});
