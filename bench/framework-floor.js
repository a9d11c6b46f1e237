// The framework floors of bench/load.ts: what Express 5 alone, and NestJS 11 on Express alone, cost
// to answer the same bytes as the bare node:http baseline (one route per captured answer, no
// middleware, no guards, no logging). The service cannot be cheaper per request than the floor of
// the framework it runs on, so the bench prints the service's figures beside these.
// Plain JS in its own process, like bare-server.js, so that its CPU per request can be read from /proc.
// argv: KIND (express | nest) CONFIG.json with { port, routes: [{ method, path, contentType, response (base64) }] }
'use strict';
require('reflect-metadata');
const { readFileSync } = require('node:fs');

const [kind, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const routes = config.routes.map((route) => ({ ...route, response: Buffer.from(route.response, 'base64') }));

function answer(route, res) {
  res.setHeader('Content-Type', route.contentType);
  res.send(route.response);
}

async function startExpress() {
  const express = require('express');
  const app = express();
  app.use(express.json());
  for (const route of routes) app[route.method.toLowerCase()](route.path, (req, res) => answer(route, res));
  return app.listen(config.port, '127.0.0.1');
}

async function startNest() {
  const { NestFactory } = require('@nestjs/core');
  const { Controller, Get, Module, Post, Res } = require('@nestjs/common');
  // One controller method per captured answer, decorated by hand (plain JS has no decorator syntax).
  class FloorController {}
  routes.forEach((route, index) => {
    const name = `route${index}`;
    FloorController.prototype[name] = (res) => answer(route, res);
    const descriptor = Object.getOwnPropertyDescriptor(FloorController.prototype, name);
    (route.method === 'POST' ? Post : Get)(route.path)(FloorController.prototype, name, descriptor);
    Res()(FloorController.prototype, name, 0);
    Reflect.defineMetadata('design:paramtypes', [Object], FloorController.prototype, name);
  });
  Controller()(FloorController);
  class FloorModule {}
  Module({ controllers: [FloorController] })(FloorModule);
  const app = await NestFactory.create(FloorModule, { logger: false });
  await app.listen(config.port, '127.0.0.1');
  return app.getHttpServer();
}

(kind === 'nest' ? startNest() : startExpress()).then(
  (server) => {
    process.stdout.write('listening\n');
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
  },
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
