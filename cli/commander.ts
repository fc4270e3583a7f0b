/**
 * commander, loaded as the CommonJS package it is. Imported as an ES module, Node first scans its
 * CommonJS source for the names it exports: ~4 ms of every command line, a tenth of what a cached
 * `analyze` does besides Node's own start-up.
 */
import { createRequire } from "node:module";
import type * as commander from "commander";

const load = createRequire(import.meta.url);

export const { Command, CommanderError, Option } = load("commander") as typeof commander;
export type Command = commander.Command;
