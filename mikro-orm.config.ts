/** Config for the MikroORM CLI (`npx mikro-orm ...`); the app uses src/db/orm-config.ts too. */
import { withoutDriverSuffix } from './src/config.js';
import { ormConfig } from './src/db/orm-config.js';

const clientUrl = process.env.DATABASE_URL && withoutDriverSuffix(process.env.DATABASE_URL).url;
if (!clientUrl) {
  throw new Error('DATABASE_URL is not set: the MikroORM CLI needs a server (or use `npm run migrate`, which starts the embedded one).');
}

export default ormConfig({ clientUrl });
