"""A generator of large, valid, realistic graphs for benchmarks.

`generate_graph(2400)` is the shared benchmark graph: a layered DAG with one input node,
agents whose templates reference their upstream nodes (by field when the upstream node has a
schema, whole otherwise), a mix of tiers and output schemas, and one output node that
collects every agent nothing else consumes.
"""
from __future__ import annotations

import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nodes.graph import Edge, Graph, Node, Position  # noqa: E402

# Each schema names the field a downstream template reads from it (None: read the whole output).
SCHEMAS: tuple[tuple[dict | None, str | None], ...] = (
    (None, None),
    ({'type': 'object',
      'properties': {'summary': {'type': 'string'}, 'confidence': {'type': 'number', 'minimum': 0, 'maximum': 1}},
      'required': ['summary', 'confidence']}, 'summary'),
    ({'type': 'object',
      'properties': {'steps': {'type': 'array', 'items': {'type': 'string'}, 'minItems': 1, 'maxItems': 5},
                     'priority': {'enum': ['low', 'medium', 'high']}},
      'required': ['steps', 'priority']}, 'steps'),
    ({'type': 'object',
      'properties': {'finding': {'type': 'object',
                                 'properties': {'title': {'type': 'string'}, 'risk': {'type': 'integer'}},
                                 'required': ['title', 'risk']},
                     'ok': {'type': 'boolean'}},
      'required': ['finding', 'ok']}, 'finding'),
)

TASKS = (
    ('You are a strategist.', 'Plan the next step of the analysis of {topic}.'),
    ('You are a senior analyst.', 'Summarise the findings so far about {topic}.'),
    ('You are a careful reviewer.', 'Check the previous answer for mistakes about {topic}.'),
    ('', 'Format the notes about {topic} as a short list.'),
    ('You extract data.', 'Extract the key facts about {topic} as structured data.'),
)


def generate_graph(n_nodes: int, seed: int = 0) -> Graph:
    """A valid layered DAG of exactly `n_nodes` nodes (at least 3): input, agents, output.

    :param n_nodes: total number of nodes, input and output included
    :param seed: the random seed; the same arguments always give the same graph
    """
    if n_nodes < 3:
        raise ValueError('a generated graph needs at least 3 nodes: an input, an agent and an output')
    rng = random.Random(seed)
    n_agents = n_nodes - 2
    width = max(1, round(math.sqrt(n_agents)))
    nodes = [Node(id='brief', kind='input', title='Brief', position=Position(x=0, y=0),
                  config={'fields': [{'name': 'topic', 'type': 'string', 'default': 'the electric bike market'},
                                     {'name': 'depth', 'type': 'integer', 'default': 3}]})]
    edges: list[Edge] = []
    reads: dict[str, str | None] = {}  # node id -> the field downstream templates read
    layers: list[list[str]] = []
    consumed: set[str] = set()

    for index in range(n_agents):
        layer_index = index // width
        if layer_index == len(layers):
            layers.append([])
        node_id = f'a{index:05d}'
        schema, field = SCHEMAS[rng.randrange(len(SCHEMAS))]
        system, task = TASKS[rng.randrange(len(TASKS))]
        if layer_index == 0:
            parents: list[str] = []
        else:
            previous = layers[layer_index - 1]
            parents = rng.sample(previous, min(len(previous), rng.choice((1, 1, 2, 3))))
            if layer_index >= 2 and rng.random() < 0.2:  # an occasional long edge, skipping a layer
                parents.append(rng.choice(layers[layer_index - 2]))
        references = ['{{ brief.topic }}'] + [
            f'{{{{ {parent}.{reads[parent]} }}}}' if reads[parent] else f'{{{{ {parent} }}}}' for parent in parents]
        prompt = task.format(topic=references[0]) + ''.join(f'\nInput {number}: {reference}'
                                                            for number, reference in enumerate(references[1:], 1))
        config: dict = {'tier': rng.choice((1, 2, 2, 3, 3, 3)), 'system': system, 'prompt': prompt}
        if schema is not None:
            config['output_schema'] = schema
        nodes.append(Node(id=node_id, kind='agent', title=f'Agent {index}',
                          position=Position(x=260 * (layer_index + 1), y=120 * len(layers[layer_index])),
                          config=config))
        if not parents:  # later layers reach the input through their parents
            edges.append(Edge(source='brief', target=node_id))
        for parent in parents:
            edges.append(Edge(source=parent, target=node_id))
            consumed.add(parent)
        reads[node_id] = field
        layers[layer_index].append(node_id)

    nodes.append(Node(id='result', kind='output', title='Result', position=Position(x=260 * (len(layers) + 1), y=0)))
    edges.extend(Edge(source=node_id, target='result') for node_id in reads if node_id not in consumed)
    return Graph(name=f'Generated swarm ({n_nodes} nodes, seed {seed})', nodes=nodes, edges=edges)


if __name__ == '__main__':
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2400
    sys.stdout.write(generate_graph(count).dumps())


def example_inputs(graph: Graph) -> dict:
    """A value for each input field without a default: what the benchmarks run the examples with."""
    values = {}
    for node in graph.nodes:
        if node.kind == 'input':
            for field in node.config.get('fields', []):
                if field.get('default') is None:
                    values[field['name']] = {'string': 'Acme Robotics', 'integer': 3, 'number': 1.5,
                                             'boolean': True, 'object': {}, 'array': []}[field.get('type', 'string')]
    return values
