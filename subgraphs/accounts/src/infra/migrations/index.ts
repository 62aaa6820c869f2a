import { Migration20261121000001 } from './Migration20261121000001';
import { Migration20261121200001 } from './Migration20261121200001';
import { Migration20261121300001 } from './Migration20261121300001';
import { Migration20261121400001 } from './Migration20261121400001';
import { Migration20261207000001 } from './Migration20261207000001';
import { Migration20261207100001 } from './Migration20261207100001';
import { Migration20261207100002 } from './Migration20261207100002';
import { Migration20261207200001 } from './Migration20261207200001';
import { Migration20261208100001 } from './Migration20261208100001';

/** In the order they run; the class and file names are recorded in the database, so they never change. */
export const migrations = [Migration20261121000001, Migration20261121200001, Migration20261121300001, Migration20261121400001, Migration20261207000001, Migration20261207100001, Migration20261207100002, Migration20261207200001, Migration20261208100001];
