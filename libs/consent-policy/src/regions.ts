/**
 * ISO 3166-1 alpha-2: the 249 officially assigned codes (ISO 3166 Maintenance Agency; the same list
 * tzdata ships as iso3166.tab). User-assigned codes such as XK and reserved ones such as UK or EU
 * are not region codes.
 */
export const ISO_3166_ALPHA2_CODES: readonly string[] = Object.freeze(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
    'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
    'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
    'UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

const CODES = new Set(ISO_3166_ALPHA2_CODES);

/** True for an assigned ISO 3166-1 alpha-2 code in canonical upper case, e.g. "US". */
export function isRegionCode(code: string): boolean {
  return CODES.has(code);
}

/**
 * The canonical form of a region as a user or caller may write it ("us", " US ") or undefined when
 * it is not an assigned code. The empty string is the "unknown region" and stays empty.
 */
export function normalizeRegion(input: string): string | undefined {
  const code = input.trim().toUpperCase();
  if (code === '') return '';
  return isRegionCode(code) ? code : undefined;
}

/** The 27 member states of the European Union (Greece is GR in ISO 3166, EL only in EU usage). */
export const EU_MEMBER_STATES: readonly string[] = Object.freeze([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE',
  'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
]);

/** Regions where AI-chat personalization is off until the user opts in: the EU, GB and KR. */
export const DEFAULT_EXCLUDED_REGIONS: readonly string[] = Object.freeze([...EU_MEMBER_STATES, 'GB', 'KR']);
