/* fn_case.c - UPPER, LOWER and INITCAP over Unicode, as Java's String.toUpperCase and
 * toLowerCase (root locale) do them: utf8proc's simple case mappings plus Java's full mappings
 * (SpecialCasing.txt, unconditional part: German sharp s -> "SS", ligatures, Greek letters with
 * ypogegrammeni...) and the final-sigma rule of LOWER. Invalid UTF-8 comes out as U+FFFD.
 * Must not touch: rows, batches, operators, the SQL front end (src/sql). */
#include <string.h>
#include <utf8proc.h>

#include "fn.h"

static void put_cp(sl_buf *b, int32_t cp) {
  utf8proc_uint8_t tmp[4];
  buf_put(b, (const char *)tmp, (size_t)utf8proc_encode_char(cp, tmp));
}

/* Decodes the character at s[i]; *cp = U+FFFD and one byte (plus stray continuation bytes) when
 * it is not valid UTF-8. Returns its length in bytes. */
static size_t get_cp(const char *s, size_t n, size_t i, int32_t *cp) {
  utf8proc_ssize_t k =
      utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), cp);
  if (k > 0) return (size_t)k;
  *cp = 0xFFFD;
  size_t j = i + 1;
  while (j < n && ((unsigned char)s[j] & 0xC0) == 0x80) j++;
  return j - i;
}

/* Java's full upper-case mappings that are more than one character (SpecialCasing.txt). */
static const struct {
  int32_t from, to[3];
} upper_full[] = {
    {0x00DF, {0x0053, 0x0053}},         {0x0149, {0x02BC, 0x004E}},
    {0x01F0, {0x004A, 0x030C}},         {0x0390, {0x0399, 0x0308, 0x0301}},
    {0x03B0, {0x03A5, 0x0308, 0x0301}}, {0x0587, {0x0535, 0x0552}},
    {0x1E96, {0x0048, 0x0331}},         {0x1E97, {0x0054, 0x0308}},
    {0x1E98, {0x0057, 0x030A}},         {0x1E99, {0x0059, 0x030A}},
    {0x1E9A, {0x0041, 0x02BE}},         {0x1F50, {0x03A5, 0x0313}},
    {0x1F52, {0x03A5, 0x0313, 0x0300}}, {0x1F54, {0x03A5, 0x0313, 0x0301}},
    {0x1F56, {0x03A5, 0x0313, 0x0342}}, {0x1FB2, {0x1FBA, 0x0399}},
    {0x1FB3, {0x0391, 0x0399}},         {0x1FB4, {0x0386, 0x0399}},
    {0x1FB6, {0x0391, 0x0342}},         {0x1FB7, {0x0391, 0x0342, 0x0399}},
    {0x1FBC, {0x0391, 0x0399}},         {0x1FC2, {0x1FCA, 0x0399}},
    {0x1FC3, {0x0397, 0x0399}},         {0x1FC4, {0x0389, 0x0399}},
    {0x1FC6, {0x0397, 0x0342}},         {0x1FC7, {0x0397, 0x0342, 0x0399}},
    {0x1FCC, {0x0397, 0x0399}},         {0x1FD2, {0x0399, 0x0308, 0x0300}},
    {0x1FD3, {0x0399, 0x0308, 0x0301}}, {0x1FD6, {0x0399, 0x0342}},
    {0x1FD7, {0x0399, 0x0308, 0x0342}}, {0x1FE2, {0x03A5, 0x0308, 0x0300}},
    {0x1FE3, {0x03A5, 0x0308, 0x0301}}, {0x1FE4, {0x03A1, 0x0313}},
    {0x1FE6, {0x03A5, 0x0342}},         {0x1FE7, {0x03A5, 0x0308, 0x0342}},
    {0x1FF2, {0x1FFA, 0x0399}},         {0x1FF3, {0x03A9, 0x0399}},
    {0x1FF4, {0x038F, 0x0399}},         {0x1FF6, {0x03A9, 0x0342}},
    {0x1FF7, {0x03A9, 0x0342, 0x0399}}, {0x1FFC, {0x03A9, 0x0399}},
    {0xFB00, {0x0046, 0x0046}},         {0xFB01, {0x0046, 0x0049}},
    {0xFB02, {0x0046, 0x004C}},         {0xFB03, {0x0046, 0x0046, 0x0049}},
    {0xFB04, {0x0046, 0x0046, 0x004C}}, {0xFB05, {0x0053, 0x0054}},
    {0xFB06, {0x0053, 0x0054}},         {0xFB13, {0x0544, 0x0546}},
    {0xFB14, {0x0544, 0x0535}},         {0xFB15, {0x0544, 0x053B}},
    {0xFB16, {0x054E, 0x0546}},         {0xFB17, {0x0544, 0x053D}},
};

static void put_upper(sl_buf *b, int32_t cp) {
  if (cp >= 0x1F80 && cp <= 0x1FAF) { /* Greek with ypogegrammeni: capital + IOTA */
    static const int32_t base[] = {0x1F08, 0x1F28, 0x1F68};
    put_cp(b, base[(cp - 0x1F80) / 16] + (cp & 7));
    put_cp(b, 0x0399);
    return;
  }
  if (cp >= 0x00DF && cp <= 0xFB17) {
    for (size_t i = 0; i < sizeof upper_full / sizeof upper_full[0]; i++)
      if (upper_full[i].from == cp) {
        for (int k = 0; k < 3 && upper_full[i].to[k]; k++) put_cp(b, upper_full[i].to[k]);
        return;
      }
  }
  put_cp(b, utf8proc_toupper(cp));
}

static bool is_cased(int32_t cp) {
  return utf8proc_toupper(cp) != cp || utf8proc_tolower(cp) != cp || utf8proc_totitle(cp) != cp;
}
static bool is_case_ignorable(int32_t cp) {
  utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_ME || c == UTF8PROC_CATEGORY_CF ||
         c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_SK || cp == '\'' || cp == 0x2019 ||
         cp == '.' || cp == ':' || cp == 0x00B7;
}

/* Java's Final_Sigma: a capital sigma after a cased letter (prev_cased: the last character
 * before it that is not case-ignorable was cased) and not before one is final. */
static bool final_sigma(const char *s, size_t n, size_t after, bool prev_cased) {
  if (!prev_cased) return false;
  for (size_t i = after; i < n;) {
    int32_t cp;
    i += get_cp(s, n, i, &cp);
    if (!is_case_ignorable(cp)) return !is_cased(cp);
  }
  return true;
}

/* Lower case of cp, which ends at s[after]; *prev_cased tracks the cased-ness of the last
 * character that is not case-ignorable (for the final sigma). */
static void put_lower(sl_buf *b, const char *s, size_t n, size_t after, bool *prev_cased,
                      int32_t cp) {
  if (cp == 0x0130) { /* capital I with dot: i + combining dot above */
    put_cp(b, 'i');
    put_cp(b, 0x0307);
  } else if (cp == 0x03A3) {
    put_cp(b, final_sigma(s, n, after, *prev_cased) ? 0x03C2 : 0x03C3);
  } else {
    put_cp(b, utf8proc_tolower(cp));
  }
  if (!is_case_ignorable(cp)) *prev_cased = is_cased(cp);
}

sl_status f_upper(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  bool up = call->fn->name[0] == 'U';
  const char *s = v[0].u.s;
  size_t n = v[0].len;
  sl_buf local = {0}, *b = fn_scratch(ctx, &local);
  bool prev_cased = false;
  for (size_t i = 0; i < n;) {
    if (!((unsigned char)s[i] & 0x80)) { /* ASCII fast path */
      char c = s[i++];
      bool lo = c >= 'a' && c <= 'z', hi = c >= 'A' && c <= 'Z';
      if (up && lo) c = (char)(c - 32);
      if (!up && hi) c = (char)(c + 32);
      if (!is_case_ignorable((unsigned char)c)) prev_cased = lo || hi;
      buf_putc(b, c);
      continue;
    }
    int32_t cp;
    size_t k = get_cp(s, n, i, &cp);
    if (up)
      put_upper(b, cp);
    else
      put_lower(b, s, n, i + k, &prev_cased, cp);
    i += k;
  }
  *out = fn_done(ctx, b, &local);
  return SL_OK;
}

static bool is_alnum_cp(int32_t cp) {
  utf8proc_category_t c = utf8proc_category(cp);
  return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
         (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO) ||
         (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME);
}

/* A word is a run of letters, digits and combining marks: its first character in title case
 * (Java's Character.toTitleCase), the rest in lower case. */
sl_status f_initcap(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  const char *s = v[0].u.s;
  size_t n = v[0].len;
  sl_buf local = {0}, *b = fn_scratch(ctx, &local);
  bool start = true, prev_cased = false;
  for (size_t i = 0; i < n;) {
    int32_t cp;
    size_t k = get_cp(s, n, i, &cp);
    if (start) {
      put_cp(b, cp == 0x00DF ? cp : utf8proc_totitle(cp)); /* Java keeps a leading sharp s */
      if (!is_case_ignorable(cp)) prev_cased = is_cased(cp);
    } else {
      put_lower(b, s, n, i + k, &prev_cased, cp);
    }
    start = !is_alnum_cp(cp);
    i += k;
  }
  *out = fn_done(ctx, b, &local);
  return SL_OK;
}
