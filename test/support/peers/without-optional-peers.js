// Preloaded into a child process: makes the optional peers look uninstalled, as in an application
// that installed only @nestjs/common, @nestjs/core, reflect-metadata and rxjs.
const Module = require('node:module');

const ABSENT = new Set([
  '@nestjs/bullmq',
  '@nestjs/swagger',
  '@nestjs/terminus',
  '@opentelemetry/api',
  '@nestjs/typeorm',
  'better-sqlite3',
  'bullmq',
  'class-transformer',
  'class-validator',
  'ioredis',
  'typeorm',
]);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (ABSENT.has(request)) {
    const error = new Error(`Cannot find module '${request}'`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
