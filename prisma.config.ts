import { defineConfig } from 'prisma/config';

// Migrations run through `aftercare migrate` (the WebAssembly schema engine); the CLI is used only
// for `prisma generate`, which needs no database URL.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
