// Users: the people who log in (a customer account's owner, or an operator admin).
import type { Queryable } from '../db/types.js';
import type { Role } from './auth.js';

export interface User {
  id: string;
  accountId: string | null;
  role: Role;
  email: string;
  name: string;
  emailVerified: boolean;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  emailVerified: boolean;
}

interface UserRow {
  id: string;
  account_id: string | null;
  role: Role;
  email: string;
  name: string;
  password_hash: string;
  email_verified_at: Date | null;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserByEmail(
  q: Queryable,
  email: string,
): Promise<(User & { passwordHash: string }) | null> {
  const { rows } = await q.query<UserRow>(
    'select id, account_id, role, email, name, password_hash, email_verified_at from users where email = $1',
    [normaliseEmail(email)],
  );
  const row = rows[0];
  return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
}

export async function getUser(q: Queryable, id: string): Promise<User | null> {
  const { rows } = await q.query<UserRow>(
    'select id, account_id, role, email, name, password_hash, email_verified_at from users where id = $1',
    [id],
  );
  return rows[0] ? toUser(rows[0]) : null;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    accountId: row.account_id,
    role: row.role,
    email: row.email,
    name: row.name,
    emailVerified: row.email_verified_at !== null,
  };
}

export function userView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    emailVerified: user.emailVerified,
  };
}
