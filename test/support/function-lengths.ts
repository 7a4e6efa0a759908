// How long each function in a source file is, read with the TypeScript compiler's parser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { repositoryRoot } from './source-graph';

export interface FunctionLength {
  /** `file:line name`, the name as the code gives it (or `(anonymous)`). */
  where: string;
  /** Lines of code in the body (braces included; blank lines and lines holding only a comment are not counted). */
  lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  // `const x = () => …`, `x: () => …`, `.openapi(route, async (c) => …)`
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  if (ts.isCallExpression(parent)) return `${parent.expression.getText(source).split('\n')[0]!.slice(-40)}(… callback)`;
  return '(anonymous)';
}

/** Every function-like node with a body, outermost first; a nested function counts inside its parent too. */
export function functionLengths(file: string): FunctionLength[] {
  const text = readFileSync(join(repositoryRoot, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const lengths: FunctionLength[] = [];
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line + 1;
  const lines = text.split('\n');
  // Lines that hold code: not blank, not only a comment (a line inside a block comment starts with * or /*).
  const isCode = lines.map((line) => {
    const trimmed = line.trim();
    return trimmed !== '' && !trimmed.startsWith('//') && !trimmed.startsWith('/*') && !trimmed.startsWith('*');
  });
  const codeLinesBetween = (first: number, last: number) => isCode.slice(first - 1, last).filter(Boolean).length;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const body = node.body as ts.Node;
      const first = lineOf(body.getStart(source));
      lengths.push({ where: `${file}:${lineOf(node.getStart(source))} ${nameOf(node, source)}`, lines: codeLinesBetween(first, lineOf(body.getEnd())) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lengths;
}
