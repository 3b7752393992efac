import { sql, type Selectable } from 'kysely';
import type { Executor } from '../schema.js';
import { dialectOf } from '../dialect.js';
import type { KbArticleTable } from '../schema/records.js';

export type KbArticleRow = Selectable<KbArticleTable>;

export async function insertArticle(
  db: Executor,
  article: { title: string; body: string; url: string | null; createdBy: string },
  now: Date,
): Promise<KbArticleRow> {
  return db
    .insertInto('kb_articles')
    .values({
      title: article.title,
      body: article.body,
      url: article.url,
      created_by: article.createdBy,
      created_at: now.getTime(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** One page of the live articles, newest first, and how many there are in all. */
export async function listArticles(
  db: Executor,
  page: { offset: number; limit: number },
): Promise<{ rows: KbArticleRow[]; total: number }> {
  const rows = await db
    .selectFrom('kb_articles')
    .selectAll()
    .where('removed_at', 'is', null)
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const counted = await db
    .selectFrom('kb_articles')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return { rows, total: Number(counted?.n ?? 0) };
}

export function findArticle(db: Executor, id: number): Promise<KbArticleRow | undefined> {
  return db
    .selectFrom('kb_articles')
    .selectAll()
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

export async function removeArticle(db: Executor, id: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('kb_articles')
    .set({ removed_at: now.getTime() })
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Articles matching any of the words (each also as a prefix), best first, title weighted over body:
 * FTS5 and bm25 on SQLite; on PostgreSQL the expression the kb_articles_search index is built on, and
 * ts_rank. Words are reduced to letters and digits first, so nothing typed is query syntax on either.
 */
export async function searchArticles(db: Executor, words: string[], limit = 3): Promise<KbArticleRow[]> {
  const terms = words.map((w) => w.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '')).filter((w) => w.length >= 3);
  if (terms.length === 0) return [];
  const unique = [...new Set(terms)];
  if (dialectOf(db) === 'postgres') {
    const query = unique.map((t) => `${t}:*`).join(' | ');
    const result = await sql<KbArticleRow>`
      SELECT id, title, body, url, created_by, created_at, removed_at FROM (
        SELECT a.*, ${KB_DOCUMENT} AS document, to_tsquery('english', ${query}) AS query FROM kb_articles a
        WHERE a.removed_at IS NULL) m
      WHERE document @@ query
      ORDER BY ts_rank(document, query) DESC, id LIMIT ${limit}`.execute(db);
    return result.rows;
  }
  const query = unique.map((t) => `"${t}"*`).join(' OR ');
  const result = await sql<KbArticleRow>`
    SELECT a.* FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid
    WHERE kb_fts MATCH ${query} AND a.removed_at IS NULL
    ORDER BY bm25(kb_fts, 5.0, 1.0) LIMIT ${limit}`.execute(db);
  return result.rows;
}

/** What kb_articles_search indexes (PostgreSQL); written once so the index and the search agree. */
const KB_DOCUMENT = sql`(setweight(to_tsvector('english', a.title), 'A') || setweight(to_tsvector('english', a.body), 'B'))`;

export async function recordDeflection(
  db: Executor,
  userId: string,
  articleId: number,
  query: string,
  now: Date,
): Promise<void> {
  await db
    .insertInto('kb_deflections')
    .values({ user_id: userId, article_id: articleId, query, at: now.getTime() })
    .execute();
}
