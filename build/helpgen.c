/* helpgen.c - the --help texts, packed: reads every USAGE(APP, VAR, TEXT)
 * of the C sources named on the command line and writes, on stdout, the C
 * file that defines usage_APP_VAR for each (vsbox.h) over one stream packed
 * with lib/lz.c. Built and run by the Makefile (build/obj/help.c), never
 * installed.
 *
 * TEXT is what C would make of it: adjacent string literals with their
 * escapes, and names of "#define NAME" string-literal macros of the same
 * file. The sources are read in the order of their names, so the same tree
 * always gives the same file. Anything else in a USAGE() is an error naming
 * FILE:LINE.
 */
#include "vsbox.h"

struct text {
	char *app, *var;
	size_t off, len;
};

static const char *fname;
static int line;

static _Noreturn void fail(const char *msg)
{
	fprintf(stderr, "helpgen: %s:%d: %s\n", fname, line, msg);
	exit(1);
}

static void *grow(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "helpgen: out of memory\n");
		exit(1);
	}
	return p;
}

/* a growing byte buffer */
struct buf {
	char *p;
	size_t n, cap;
};

static void add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = 2 * (b->n + n + 1);
		b->p = grow(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

/* the source being read: S at position I */
static const char *S;
static size_t I;

/* skip blanks, newlines (counted), comments and backslash-newlines */
static void skip(void)
{
	for (;;) {
		if (S[I] == '\n') {
			line++;
			I++;
		} else if (S[I] == ' ' || S[I] == '\t' || S[I] == '\r') {
			I++;
		} else if (S[I] == '\\' && S[I + 1] == '\n') {
			line++;
			I += 2;
		} else if (S[I] == '/' && S[I + 1] == '*') {
			for (I += 2; S[I] && !(S[I] == '*' && S[I + 1] == '/'); I++)
				line += S[I] == '\n';
			if (!S[I])
				fail("unterminated comment");
			I += 2;
		} else if (S[I] == '/' && S[I + 1] == '/') {
			while (S[I] && S[I] != '\n')
				I++;
		} else {
			return;
		}
	}
}

static bool is_id(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

/* an identifier at I (after skip()), or NULL */
static char *ident(void)
{
	size_t a = I;

	if (!is_id(S[I], true))
		return NULL;
	while (is_id(S[I], false))
		I++;
	return strndup(S + a, I - a);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* the string literal at I (its opening quote), its bytes appended to B */
static void literal(struct buf *b)
{
	for (I++; S[I] != '"'; I++) {
		char c = S[I];

		if (!c || c == '\n')
			fail("unterminated string");
		if (c == '\\') {
			c = S[++I];
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'r': c = '\r'; break;
			case 'v': c = '\v'; break;
			case '\\': case '"': case '\'': case '?': break;
			case 'x': {
				int v = 0, d, k = 0;
				while ((d = hexval(S[I + 1])) >= 0 && k++ < 2) {
					v = v * 16 + d;
					I++;
				}
				if (!k)
					fail("\\x without hex digits");
				c = (char)v;
				break;
			}
			default:
				if (c >= '0' && c <= '7') {
					int v = c - '0';
					for (int k = 0; k < 2 && S[I + 1] >= '0' && S[I + 1] <= '7'; k++)
						v = v * 8 + (S[++I] - '0');
					c = (char)v;
				} else {
					fail("unknown escape in a string");
				}
			}
			if (!c)
				fail("a NUL inside a usage text");
		}
		add(b, &c, 1);
	}
	I++;
}

/* the string macros of the file being read */
static struct macro { char *name; struct buf text; } *macros;
static size_t nmacros;

static const struct buf *macro(const char *name)
{
	for (size_t k = 0; k < nmacros; k++)
		if (!strcmp(macros[k].name, name))
			return &macros[k].text;
	return NULL;
}

/* string literals and string macros up to what ends TEXT (END) */
static void text(struct buf *b, char end)
{
	for (;;) {
		char *id;
		const struct buf *m;

		skip();
		if (S[I] == '"') {
			literal(b);
		} else if ((id = ident())) {
			if (!(m = macro(id)))
				fail("not a string macro of this file in a usage text");
			add(b, m->p, m->n);
			free(id);
		} else if (S[I] == end || (end == '\n' && !S[I])) {
			return;
		} else {
			fail("not a string literal in a usage text");
		}
	}
}

/* "#define NAME" with a body of string literals: remembered; others skipped */
static void define(void)
{
	size_t save = I;
	int save_line = line;
	struct macro m = { 0 };

	I += strlen("#define");
	while (S[I] == ' ' || S[I] == '\t')
		I++;
	m.name = ident();
	if (m.name && S[I] != '(') {
		/* the body runs to the end of the line (backslash-newlines go on) */
		size_t a = I;
		while (S[a] == ' ' || S[a] == '\t' || (S[a] == '\\' && S[a + 1] == '\n'))
			a += S[a] == '\\' ? 2 : 1;
		if (S[a] == '"') {
			struct buf b = { 0 };
			for (;;) {
				while (S[I] == ' ' || S[I] == '\t' || (S[I] == '\\' && S[I + 1] == '\n')) {
					line += S[I] == '\\';
					I += S[I] == '\\' ? 2 : 1;
				}
				if (S[I] != '"')
					break;
				literal(&b);
			}
			if (S[I] == '\n' || !S[I]) {
				m.text = b;
				macros = grow(macros, (nmacros + 1) * sizeof(*macros));
				macros[nmacros++] = m;
				return;
			}
			free(b.p);
		}
	}
	free(m.name);
	I = save;
	line = save_line;
	while (S[I] && !(S[I] == '\n' && S[I - 1] != '\\'))
		line += S[I++] == '\n';
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;

	if (!f) {
		fprintf(stderr, "helpgen: can't open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		add(&b, chunk, n);
	if (ferror(f)) {
		fprintf(stderr, "helpgen: can't read %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fclose(f);
	add(&b, "", 0);
	return b.p;
}

/* every USAGE() of one file, its texts appended to ALL */
static void scan(const char *path, struct buf *all, struct text **t, size_t *nt)
{
	fname = path;
	line = 1;
	S = slurp(path);
	I = 0;
	nmacros = 0;
	while (S[I]) {
		char *id;

		skip();
		if (S[I] == '#' && !strncmp(S + I, "#define", 7)) {
			define();
		} else if (S[I] == '"' || S[I] == '\'') {
			char q = S[I];
			for (I++; S[I] && S[I] != q && S[I] != '\n'; I++)
				I += S[I] == '\\';
			if (S[I] == q)
				I++;
		} else if ((id = ident())) {
			if (!strcmp(id, "USAGE") && (skip(), S[I] == '(')) {
				struct text x = { 0 };
				I++;
				skip();
				x.app = ident();
				skip();
				if (!x.app || S[I++] != ',')
					fail("USAGE(APP, VAR, TEXT) wanted");
				skip();
				x.var = ident();
				skip();
				if (!x.var || S[I++] != ',')
					fail("USAGE(APP, VAR, TEXT) wanted");
				x.off = all->n;
				text(all, ')');
				x.len = all->n - x.off;
				I++;
				*t = grow(*t, (*nt + 1) * sizeof(**t));
				(*t)[(*nt)++] = x;
			}
			free(id);
		} else if (S[I]) {
			I++;
		}
	}
	for (size_t k = 0; k < nmacros; k++) {
		free(macros[k].name);
		free(macros[k].text.p);
	}
	free((char *)S);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	struct buf all = { 0 };
	struct text *t = NULL;
	size_t nt = 0, zn, cap;
	unsigned char *z, *back;

	qsort(argv + 1, (size_t)argc - 1, sizeof(char *), by_name);
	for (int k = 1; k < argc; k++)
		scan(argv[k], &all, &t, &nt);
	for (size_t k = 0; k < nt; k++)
		for (size_t j = 0; j < k; j++)
			if (!strcmp(t[k].app, t[j].app) && !strcmp(t[k].var, t[j].var)) {
				fprintf(stderr, "helpgen: USAGE(%s, %s, ...) twice\n", t[k].app, t[k].var);
				return 1;
			}

	/* packed, and unpacked again to be sure of it */
	cap = all.n + all.n / 4 + 16;
	z = grow(NULL, cap);
	back = grow(NULL, all.n);
	zn = lz_pack((unsigned char *)all.p, all.n, z, cap);
	if (!zn || !lz_unpack(z, zn, back, all.n) || memcmp(back, all.p, all.n)) {
		fprintf(stderr, "helpgen: the texts do not pack and unpack to themselves\n");
		return 1;
	}

	printf("/* help.c - generated by build/helpgen.c from the USAGE() texts of\n"
	       " * the sources (%zu texts, %zu bytes packed into %zu): do not edit. */\n"
	       "#include \"vsbox.h\"\n\nstatic const unsigned char z[%zu] = {", nt, all.n, zn, zn);
	for (size_t k = 0; k < zn; k++)
		printf("%s0x%02x,", k % 12 ? " " : "\n\t", z[k]);
	printf("\n};\nstatic const struct usage_pack pack = { z, %zu, %zu };\n\n", zn, all.n);
	for (size_t k = 0; k < nt; k++)
		printf("const struct usage usage_%s_%s = { &pack, %zu, %zu };\n",
		       t[k].app, t[k].var, t[k].off, t[k].len);
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
