export { Taxonomy, getTaxonomy, expandWithDescendants, parseTaxonomyTsv } from './taxonomy';
export type { TaxonomyNode } from './taxonomy';
