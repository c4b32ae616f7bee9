import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

/** A worker process: no HTTP, takes the workflow's jobs from BullMQ. Run as many as you like. */
const app = await NestFactory.createApplicationContext(AppModule.forRole('worker'));
app.enableShutdownHooks();
new Logger('Refunds').log('worker ready');
