import type * as TypeOrm from 'typeorm';
import { peers } from '../../peers/peers';

/**
 * TypeORM's entity decorators from the application's TypeORM. Without TypeORM installed the entity
 * classes stay plain classes, so the package loads in an application that stores in Redis; the
 * TypeORM store then refuses to start, naming the packages to install.
 */
const typeorm = peers.optionalTypeorm();

type AnyDecorator = ClassDecorator & PropertyDecorator;
const inert = (): AnyDecorator => () => undefined;

export const Column: typeof TypeOrm.Column = typeorm?.Column ?? inert;
export const Entity: typeof TypeOrm.Entity = typeorm?.Entity ?? inert;
export const Index: typeof TypeOrm.Index = typeorm?.Index ?? inert;
export const JoinColumn: typeof TypeOrm.JoinColumn = typeorm?.JoinColumn ?? inert;
export const ManyToOne: typeof TypeOrm.ManyToOne = typeorm?.ManyToOne ?? inert;
export const PrimaryColumn: typeof TypeOrm.PrimaryColumn = typeorm?.PrimaryColumn ?? inert;
