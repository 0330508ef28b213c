"""`ape run accuracy`: each model's test accuracy measured through its contract (on-chain
`predict` of every test example), beside float scikit-learn on the same features."""

import click
from ape import accounts, project
from ape.cli import ConnectedProviderCommand
from tqdm import tqdm

from collabml.chain.accuracy import HEADER, through_contract
from collabml.data import load_imdb
from collabml.encoding import TextEncoder
from collabml.models.perceptron import SparsePerceptron


def imdb(data_dir, max_features):
    train, test = load_imdb("train", data_dir), load_imdb("test", data_dir)
    encoder = TextEncoder.fit(train.texts, max_features=max_features)
    train_rows, test_rows = encoder.encode_many(train.texts), encoder.encode_many(test.texts)
    return (encoder.to_matrix(train_rows), train.labels, encoder.to_matrix(test_rows), test.labels, test_rows)


def imdb_rows(data_dir, max_features):
    from sklearn.linear_model import Perceptron

    X_train, y_train, X_test, y_test, test_rows = imdb(data_dir, max_features)
    clf = Perceptron(random_state=0).fit(X_train.toarray(), y_train)
    yield "IMDB (1,000 words)", SparsePerceptron.from_sklearn(clf), test_rows, y_test, clf.score(X_test.toarray(), y_test)


@click.command(cls=ConnectedProviderCommand)
@click.option("--data-dir", default=None, help="Data directory (default: COLLABML_DATA_DIR or ./data).")
@click.option("--max-features", default=1000, show_default=True)
def cli(data_dir, max_features):
    owner = accounts.test_accounts[0]
    rows = []
    for data_set, model, test_rows, labels, sklearn_accuracy in imdb_rows(data_dir, max_features):
        bar = lambda it: tqdm(it, desc=f"{type(model).__name__} on chain", unit="predict", leave=False)  # noqa: E731
        rows.append(through_contract(project, owner, data_set, model, test_rows, labels, sklearn_accuracy, progress=bar))
    click.echo(HEADER)
    for row in rows:
        click.echo(row.line())
